import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import { JobContext, JobError, PermanentJobError } from '@consilium/jobs';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { EmailSender } from '../senders/email-sender.entity';
import { EmailSenders } from '../senders/email-senders';
import { EmailMetrics } from '../email-metrics';
import { EntityManager } from 'typeorm';
import { InvalidEmailData } from '../email-catalog';
import { OutboundEmail } from '../outbound-email.entity';
import { EmailRenderer } from '../rendering/email-renderer';
import { SuppressionList } from '../suppression-list';
import { EMAIL_TRANSPORT, EmailTransport, OutgoingEmail } from '../transport/email-transport';
import { SendEmailPayload } from './send-email.job';
import { calendarInvite } from '../rendering/calendar-invite';

/**
 * One send-email attempt, in one tenant transaction:
 * 1. lock the message row (a second attempt at the same message waits here, then finds it sent);
 * 2. a suppressed address ends the job with that reason recorded;
 * 3. render in the tenant's brand, send through the transport once per message (dedupe ledger, key email:<id>);
 * 4. mark it sent and forget its data (which may hold a sign-in token).
 * A permanent failure marks the message failed, in its own transaction, before the job is failed.
 */
@Injectable()
export class EmailDelivery {
  constructor(
    @Inject(EMAIL_TRANSPORT) private readonly transport: EmailTransport,
    private readonly renderer: EmailRenderer,
    private readonly tenants: TenantResolver,
    private readonly senders: EmailSenders,
    private readonly suppressions: SuppressionList,
    private readonly config: AppConfig,
    private readonly metrics: EmailMetrics,
  ) {}

  async deliver(job: JobContext<SendEmailPayload>): Promise<Record<string, unknown>> {
    const { tenantId, messageId } = job.payload;
    try {
      const result = await job.transaction((tx) => this.attempt(job, tx));
      // Counted once committed, and once per message: a repeat attempt finds it already sent.
      if (!result.repeat && (result.outcome === 'sent' || result.outcome === 'suppressed'))
        this.metrics.delivered(result.outcome, this.transport.name);
      return result;
    } catch (error) {
      const dead = error instanceof PermanentJobError || job.attempt >= job.maxAttempts;
      if (dead) {
        this.metrics.delivered('failed', this.transport.name);
        const reason = error instanceof JobError ? error.message : 'The message could not be sent (unexpected error; see the failed job).';
        await job.transaction((tx) =>
          tx.update(
            OutboundEmail,
            { tenantId, id: messageId, status: 'queued' },
            { status: 'failed', statusReason: reason.slice(0, 1000), data: null },
          ),
        );
      }
      throw error;
    }
  }

  private async attempt(job: JobContext<SendEmailPayload>, tx: EntityManager): Promise<Record<string, unknown>> {
    const { tenantId, messageId } = job.payload;
    const message = await tx.findOne(OutboundEmail, { where: { tenantId, id: messageId }, lock: { mode: 'pessimistic_write' } });
    if (!message) throw new PermanentJobError('message_missing', `Message ${messageId} does not exist for this tenant.`);
    if (message.status !== 'queued') return { outcome: message.status, messageId, repeat: true };

    const suppression = await this.suppressions.find(tx, message.toAddress);
    if (suppression) {
      const reason = `Not sent: the address is suppressed for this hospital after a ${suppression.reason} on ${suppression.createdAt.toISOString().slice(0, 10)}.`;
      await tx.update(OutboundEmail, { tenantId, id: messageId }, { status: 'suppressed', statusReason: reason, data: null });
      return { outcome: 'suppressed', messageId, reason: suppression.reason };
    }

    const tenant = await this.tenants.byId(tenantId);
    if (!tenant) throw new PermanentJobError('tenant_missing', `Tenant ${tenantId} does not exist.`);
    const sender = await this.senders.forTenant(tx, tenantId);
    let rendered;
    try {
      rendered = this.renderer.render(tenant, message.template, message.locale, message.data);
    } catch (error) {
      if (error instanceof InvalidEmailData) throw new PermanentJobError('invalid_data', error.message, { cause: error });
      throw error;
    }
    const outgoing: OutgoingEmail = {
      id: messageId,
      tenantId,
      tenantSlug: tenant.slug,
      template: message.template,
      locale: rendered.locale,
      ...this.envelope(tenant, sender),
      to: message.toAddress,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      date: new Date(),
    };
    if (rendered.invite) {
      const ics = calendarInvite({ ...rendered.invite, organizer: outgoing.from, attendee: outgoing.to });
      outgoing.calendar = { method: rendered.invite.method, ics };
    }
    const { performed, result } = await job.once(tx, `email:${messageId}`, () => this.transport.send(outgoing));
    await tx.update(
      OutboundEmail,
      { tenantId, id: messageId },
      {
        status: 'sent',
        locale: rendered.locale,
        transport: result.transport,
        providerMessageId: result.providerMessageId,
        sentAt: new Date(),
        data: null,
        statusReason: null,
      },
    );
    return {
      outcome: 'sent',
      messageId,
      transport: result.transport,
      providerMessageId: result.providerMessageId,
      alreadyDelivered: !performed || !!result.alreadyDelivered,
    };
  }

  /** From, Reply-To and configuration set: the tenant's own identity, which SES requires. */
  private envelope(tenant: ResolvedTenant, sender: EmailSender | null): Pick<OutgoingEmail, 'from' | 'replyTo' | 'configurationSet'> {
    if (sender) {
      return {
        from: { name: sender.fromName, address: sender.fromAddress },
        replyTo: sender.replyTo ?? undefined,
        configurationSet: sender.configurationSet ?? undefined,
      };
    }
    if (this.transport.name === 'ses') {
      throw new PermanentJobError(
        'no_sender',
        `${tenant.slug} has no email sender: add an email: block (from_address verified in SES, ses_configuration_set) to tenants/${tenant.slug}/tenant.yaml and apply it.`,
      );
    }
    // The local outbox needs no verified identity: a recognisable placeholder.
    return { from: { name: tenant.name, address: `no-reply@${tenant.primaryHost}` } };
  }
}
