import { Body, Controller, Get, Injectable, Param, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormPresenter, Layout, Page, parseForm, redirect, Redirect, RequestContext, StaffOnly } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../webhook-catalog';
import { WebhookEndpoints } from '../webhook-endpoints.service';

const endpointForm = z.object({
  url: field.text({ max: 2000, required: 'integrations.webhooks.urlRequired' }),
  events: field.choices(WEBHOOK_EVENT_TYPES as [string, ...string[]], { min: 1, message: 'integrations.webhooks.chooseEvent' }),
});

/** The endpoints page's model, also when its form comes back refused. */
@Injectable()
export class WebhooksPage implements FormPresenter {
  constructor(private readonly endpoints: WebhookEndpoints) {}

  refused(): Promise<Record<string, unknown>> {
    return this.model();
  }

  async model(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return { endpoints: await this.endpoints.list(), allEvents: WEBHOOK_EVENT_TYPES, ...extra };
  }
}

const WEBHOOKS = { title: 'integrations.webhooks.title' };

/**
 * Admins send the hospital's systems signed webhooks: register an endpoint and its events (its signing secret is
 * shown once), read each endpoint's delivery log, resend a delivery, turn a disabled endpoint back on.
 */
@Controller('console/webhooks')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleWebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly page: WebhooksPage,
    private readonly context: RequestContext,
  ) {}

  @Can('webhooks.manage')
  @Get()
  @Page('integrations/console-webhooks', WEBHOOKS)
  list(@Query('enabled') enabled?: string) {
    return this.page.model({ enabled: enabled === '1' });
  }

  @Can('webhooks.manage')
  @Audited({ action: 'webhooks.endpoint_create', entityType: 'webhook_endpoint' })
  @Post()
  @Page('integrations/console-webhooks', WEBHOOKS)
  @Form('integrations/console-webhooks', { presenter: WebhooksPage })
  async create(@Body() body: unknown) {
    const { url, events } = parseForm(endpointForm, body);
    return this.page.model({ created: await this.endpoints.register(url, events, this.context.actor()!.id) });
  }

  @Can('webhooks.manage')
  @Get(':id')
  @Page('integrations/console-webhook', WEBHOOKS)
  async endpoint(@Param('id') id: string, @Query('resent') resent?: string) {
    return { ...(await this.endpoints.endpoint(id)), resent: resent === '1' };
  }

  @Can('webhooks.manage')
  @Audited({ action: 'webhooks.delivery_resend', entityType: 'webhook_endpoint', param: 'id' })
  @Post(':id/deliveries/:delivery/resend')
  async resend(@Param('id') id: string, @Param('delivery') delivery: string): Promise<Redirect> {
    await this.endpoints.resend(id, delivery);
    return redirect(`/console/webhooks/${id}?resent=1`);
  }

  @Can('webhooks.manage')
  @Audited({ action: 'webhooks.endpoint_enable', entityType: 'webhook_endpoint', param: 'id' })
  @Post(':id/enable')
  async enable(@Param('id') id: string): Promise<Redirect> {
    await this.endpoints.enable(id);
    return redirect('/console/webhooks?enabled=1');
  }
}
