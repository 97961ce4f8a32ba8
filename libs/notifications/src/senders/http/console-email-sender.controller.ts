import { Body, Controller, Get, Injectable, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  FormPresenter,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  StaffOnly,
  TenantDatabase,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { EmailSenders } from '../email-senders';

const VIEW = 'notifications/console-email-sender';
const TITLE = { title: 'notifications.sender.title' };

/** Who the hospital's emails come from, as the blueprint's `email:` block says it (its SES configuration set aside). */
const senderForm = z.object({
  from_name: field.text({ required: 'notifications.sender.nameRequired', max: 100 }),
  from_address: field.email('notifications.sender.addressInvalid'),
  reply_to: field.text({ optional: true, max: 254 }).pipe(z.union([z.literal(''), z.email('notifications.sender.addressInvalid')])),
});

@Injectable()
export class EmailSenderPage implements FormPresenter {
  constructor(
    private readonly senders: EmailSenders,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async show(saved?: string): Promise<Record<string, unknown>> {
    const tenantId = this.context.tenant().id;
    const sender = await this.db.transaction((tx) => this.senders.forTenant(tx, tenantId));
    return {
      saved: !!saved,
      configured: !!sender,
      values: { from_name: sender?.fromName ?? '', from_address: sender?.fromAddress ?? '', reply_to: sender?.replyTo ?? '' },
    };
  }

  refused({ values }: RefusedForm): Record<string, unknown> {
    // Beside the fields, the problems say enough: no "no sender yet" above them.
    return { values, configured: true };
  }
}

/**
 * The hospital admin's email sender: the From name and address and the reply-to of every email the hospital sends,
 * in tenant_email_senders as the blueprint writes it (so `tenants export` carries it and the apply check sees it).
 */
@Controller('console/email-sender')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleEmailSenderController {
  constructor(
    private readonly senders: EmailSenders,
    private readonly page: EmailSenderPage,
  ) {}

  @Can('site.edit')
  @Get()
  @Page(VIEW, TITLE)
  show(@Query('saved') saved?: string) {
    return this.page.show(saved);
  }

  @Can('site.edit')
  @Audited({ action: 'notifications.sender_update', entityType: 'email_sender' })
  @Post()
  @Form(VIEW, { presenter: EmailSenderPage, ...TITLE })
  async save(@Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(senderForm, body);
    await this.senders.update({ fromName: form.from_name, fromAddress: form.from_address, replyTo: form.reply_to || null });
    return redirect('/console/email-sender?saved=1');
  }
}
