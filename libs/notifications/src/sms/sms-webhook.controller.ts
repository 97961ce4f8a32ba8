import { Body, Controller, Param, Post } from '@nestjs/common';
import { Webhook } from '@consilium/core';
import { TenantResolver } from '@consilium/tenancy';
import { parseSnsMessage } from '../bounces/sns-message';
import { SmsWebhookWithoutHospital } from '../notifications-errors';
import { SmsInbound } from './sms-inbound';

/**
 * Inbound texts (STOP) published by AWS End User Messaging to SNS, subscribed per hospital at
 * `/webhooks/sms/<hospital host>`. Webhooks have no request tenant (any host may receive them): the path names the
 * hospital, and SmsInbound accepts only texts sent to that hospital's own number, which SNS signs.
 */
@Controller('webhooks')
export class SmsWebhookController {
  constructor(
    private readonly inbound: SmsInbound,
    private readonly tenants: TenantResolver,
  ) {}

  // The caller is SNS, authenticated by the message signature and the topic allow-list (SmsInbound), not a session.
  @Webhook()
  @Post('sms/:host')
  async receive(@Param('host') host: string, @Body() body: unknown): Promise<{ received: string }> {
    const tenant = /^[a-z0-9.-]{1,253}$/i.test(host) ? await this.tenants.resolve(host.toLowerCase()) : null;
    if (!tenant?.settings.sms?.originationIdentity) throw new SmsWebhookWithoutHospital();
    return { received: await this.inbound.receive(tenant.id, tenant.settings.sms.originationIdentity, parseSnsMessage(body)) };
  }
}
