import { Body, Controller, Get, Injectable, Post, Query } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import {
  Can,
  Clock,
  field,
  Form,
  FormPresenter,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  TenantDatabase,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { normalisePhone, SmsConsents } from '../sms-consents';

const textsForm = z.object({
  phone: field.text({ required: 'notifications.smsSettings.phoneRequired', max: 40 }).transform((typed, ctx) => {
    const phone = normalisePhone(typed);
    if (!phone) ctx.addIssue({ code: 'custom', message: 'notifications.smsSettings.phoneInvalid' });
    return phone ?? '';
  }),
  consent: field.checkbox().refine(Boolean, 'notifications.smsSettings.consentRequired'),
});

const TEXTS = { title: 'notifications.smsSettings.title' };

/** The channels page's model: whether the hospital texts at all, and the patient's consent as recorded. */
@Injectable()
export class SmsSettingsPage implements FormPresenter {
  constructor(
    private readonly consents: SmsConsents,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  refused({ values, errors }: { values: Record<string, unknown>; errors: Record<string, string> }): Promise<Record<string, unknown>> {
    return this.model(undefined, values, errors);
  }

  async model(
    notice?: string,
    values: Record<string, unknown> = {},
    errors: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const offered = !!this.context.tenant<ResolvedTenant>().settings.sms?.enabled;
    const consent = await this.db.transaction((tx) => this.consents.of(tx, this.context.actor()!.id));
    return { offered, consent, notice, values: { phone: consent?.phone ?? '', ...values }, errors };
  }
}

/**
 * A patient's message channels (/account/settings/texts): email always; texts when the hospital offers them and the
 * patient gives a number and ticks consent, recorded with the time. Withdrawing, or a STOP, ends them.
 */
@Controller('account/settings/texts')
@TenantSite()
@Layout('site')
export class SiteSmsSettingsController {
  constructor(
    private readonly page: SmsSettingsPage,
    private readonly consents: SmsConsents,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  @Can('account.self')
  @Get()
  @Page('notifications/sms-settings', TEXTS)
  show(@Query('saved') saved?: string) {
    return this.page.model(saved === 'on' || saved === 'off' ? saved : undefined);
  }

  @Can('account.self')
  @Post()
  @Page('notifications/sms-settings', TEXTS)
  @Form('notifications/sms-settings', { presenter: SmsSettingsPage })
  async consent(@Body() body: unknown): Promise<Redirect> {
    const tenant = this.context.tenant<ResolvedTenant>();
    if (!tenant.settings.sms?.enabled) return redirect('/account/settings/texts');
    const form = parseForm(textsForm, body);
    const actor = this.context.actor()!;
    await this.db.transaction((tx) => this.consents.grant(tx, tenant.id, actor.id, form.phone, this.clock.now()));
    await this.audit.record({
      action: 'sms.consented',
      outcome: 'allowed',
      entityType: 'account',
      entityId: actor.id,
      subjectId: actor.id,
    });
    return redirect('/account/settings/texts?saved=on');
  }

  @Can('account.self')
  @Post('withdraw')
  async withdraw(): Promise<Redirect> {
    const actor = this.context.actor()!;
    await this.db.transaction((tx) => this.consents.withdraw(tx, actor.id, this.clock.now()));
    await this.audit.record({
      action: 'sms.withdrawn',
      outcome: 'allowed',
      entityType: 'account',
      entityId: actor.id,
      subjectId: actor.id,
    });
    return redirect('/account/settings/texts?saved=off');
  }
}
