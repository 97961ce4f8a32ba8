import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, first, Translator } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance, PermanentJobError } from '@consilium/jobs';
import { TenantResolver } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { checkEmailData } from '../email-catalog';
import { EmailRenderer } from '../rendering/email-renderer';
import { SEND_SMS_JOB, SendSmsPayload } from './send-sms.job';
import { SmsConsents } from './sms-consents';
import { SMS_TRANSPORT, SmsTransport } from './sms-transport';

/**
 * One send-sms attempt, in one tenant transaction: lock the row; a consent withdrawn (or a STOP) since it was queued
 * ends it as `stopped`; else the keyed text (`notifications.sms.<template>`, the hospital's name and the portal link,
 * nothing more) leaves through the transport once (dedupe ledger, key sms:<id>) and the row is marked sent.
 */
@Injectable()
@JobHandler(SEND_SMS_JOB)
export class SmsDelivery implements JobHandlerInstance<SendSmsPayload> {
  constructor(
    @Inject(SMS_TRANSPORT) private readonly transport: SmsTransport,
    private readonly tenants: TenantResolver,
    private readonly consents: SmsConsents,
    private readonly renderer: EmailRenderer,
    private readonly translator: Translator,
    private readonly config: AppConfig,
  ) {}

  async handle(job: JobContext<SendSmsPayload>): Promise<Record<string, unknown>> {
    try {
      return await job.transaction((tx) => this.attempt(job, tx));
    } catch (error) {
      if (error instanceof PermanentJobError || job.attempt >= job.maxAttempts) {
        const { tenantId, messageId } = job.payload;
        await job.transaction((tx) =>
          tx.query(
            `UPDATE outbound_sms SET status = 'failed', status_reason = $3, data = NULL WHERE tenant_id = $1 AND id = $2 AND status = 'queued'`,
            [tenantId, messageId, error instanceof Error ? error.message.slice(0, 500) : 'unexpected error'],
          ),
        );
      }
      throw error;
    }
  }

  private async attempt(job: JobContext<SendSmsPayload>, tx: EntityManager): Promise<Record<string, unknown>> {
    const { tenantId, messageId } = job.payload;
    const message = await first<{
      account_id: string;
      template: string;
      locale: string | null;
      to_number: string;
      data: unknown;
      status: string;
    }>(tx, 'SELECT account_id, template, locale, to_number, data, status FROM outbound_sms WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [
      tenantId,
      messageId,
    ]);
    if (!message) throw new PermanentJobError('message_missing', `Text ${messageId} does not exist for this tenant.`);
    if (message.status !== 'queued') return { outcome: message.status, messageId, repeat: true };
    if ((await this.consents.activeNumber(tx, message.account_id)) !== message.to_number) {
      await tx.query(`UPDATE outbound_sms SET status = 'stopped', data = NULL WHERE tenant_id = $1 AND id = $2`, [tenantId, messageId]);
      return { outcome: 'stopped', messageId };
    }
    const tenant = await this.tenants.byId(tenantId);
    if (!tenant) throw new PermanentJobError('tenant_missing', `Tenant ${tenantId} does not exist.`);
    const checked = checkEmailData(message.template, message.data);
    const lang = this.renderer.localeFor(tenant, message.locale);
    const link = `${this.config.originFor(tenant.primaryHost)}${checked.path}`;
    const body = `${this.translator.t(`notifications.sms.${message.template}`, lang, { hospital: tenant.name, link })} ${this.translator.t('notifications.sms.stopHint', lang)}`;
    const { result } = await job.once(tx, `sms:${messageId}`, () =>
      this.transport.send({
        id: messageId,
        tenantId,
        template: message.template,
        to: message.to_number,
        body,
        originationIdentity: tenant.settings.sms?.originationIdentity,
      }),
    );
    await tx.query(
      `UPDATE outbound_sms SET status = 'sent', locale = $3, transport = $4, provider_message_id = $5, sent_at = now(), data = NULL
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, messageId, lang, result.transport, result.providerMessageId],
    );
    return { outcome: 'sent', messageId, transport: result.transport };
  }
}
