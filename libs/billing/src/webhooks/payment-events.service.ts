import { Inject, Injectable, Logger } from '@nestjs/common';
import { first, rows, TenantDatabase } from '@consilium/core';
import { EntityManager, FindOptionsWhere } from 'typeorm';
import { FollowUp, PaymentApplier } from '../payments/payment-applier';
import { PaymentAccounts } from '../payments/payment-accounts.service';
import { Payment } from '../payments/payment.entity';
import { PaymentHolds } from '../payments/payment-holds';
import { PaymentsService } from '../payments/payments.service';
import { PAYMENT_PROVIDER, PaymentMetadata, PaymentProvider } from '../providers/payment-provider';
import { PaymentEvent } from './payment-event';

export type EventOutcome = 'applied' | 'ignored' | 'duplicate';

/** Where events that name no hospital at all are recorded (payment_events is tenant-isolated like every table). */
export const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/**
 * Applies provider events exactly once: the event id is inserted under its primary key in the same transaction as
 * the event's effect, so a duplicate either waits for the first delivery and then finds the id taken, or rolls back
 * with it. Events whose tenant or payment we do not know are recorded as ignored.
 */
@Injectable()
export class PaymentEvents {
  private readonly logger = new Logger(PaymentEvents.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly db: TenantDatabase,
    private readonly applier: PaymentApplier,
    private readonly accounts: PaymentAccounts,
    private readonly payments: PaymentsService,
    private readonly holds: PaymentHolds,
  ) {}

  async process(event: PaymentEvent): Promise<EventOutcome> {
    const metadata = await this.metadataFor(event);
    const tenantId = metadata.tenant_id ?? NO_TENANT;
    const { outcome, followUps } = await this.db.forTenant(tenantId, (tx) => this.applyInTenant(tx, tenantId, event, metadata));
    for (const followUp of followUps) {
      // The event is applied and recorded; if the provider call fails, the authorization expires on its own and
      // reconciliation reports it.
      await this.payments
        .runFollowUp(followUp)
        .catch((error: unknown) => this.logger.error({ err: error, paymentId: followUp.paymentId }, 'follow-up release failed'));
    }
    return outcome;
  }

  private async applyInTenant(
    tx: EntityManager,
    tenantId: string,
    event: PaymentEvent,
    metadata: PaymentMetadata,
  ): Promise<{ outcome: EventOutcome; followUps: FollowUp[] }> {
    const none = { followUps: [] as FollowUp[] };
    const tenant = await first(tx, 'SELECT id FROM tenants WHERE id = $1', [tenantId]);
    if (!tenant) return { outcome: (await this.recordIgnored(tx, event, tenantId)) ? 'ignored' : 'duplicate', ...none };

    if (event.account) {
      if (!(await this.record(tx, event, tenantId, null, 'applied'))) return { outcome: 'duplicate', ...none };
      await this.accounts.applyStatus(tx, tenantId, event.account, event.occurredAt);
      return { outcome: 'applied', ...none };
    }

    const payment = await this.findPayment(tx, event, metadata);
    if (!payment) return { outcome: (await this.recordIgnored(tx, event, tenantId)) ? 'ignored' : 'duplicate', ...none };
    if (!(await this.record(tx, event, tenantId, payment.id, 'applied'))) return { outcome: 'duplicate', ...none };
    // A new authorization for a payment waiting for the patient: their confirmation, which completes the acceptance.
    const authorized = event.facts.some((f) => f.kind === 'authorized');
    const accepted = authorized && (await this.holds.confirmed(tx, payment, event.paymentIntentId));
    const { followUps } = await this.applier.apply(tx, payment, event.facts, {
      paymentIntentId: event.paymentIntentId,
      dispute: event.dispute,
    });
    if (accepted) followUps.push({ kind: 'capture', tenantId, paymentId: payment.id });
    return { outcome: 'applied', followUps };
  }

  /** Charges and disputes do not carry our metadata: the payment intent they belong to does. */
  private async metadataFor(event: PaymentEvent): Promise<PaymentMetadata> {
    if (event.metadata.tenant_id && (event.metadata.payment_id || event.account)) return event.metadata;
    if (!event.paymentIntentId) return event.metadata;
    const intent = await this.provider.retrievePaymentIntent(event.paymentIntentId);
    return intent ? { ...intent.metadata, ...defined(event.metadata) } : event.metadata;
  }

  private async findPayment(tx: EntityManager, event: PaymentEvent, metadata: PaymentMetadata): Promise<Payment | null> {
    const candidates: FindOptionsWhere<Payment>[] = [];
    if (metadata.payment_id) candidates.push({ id: metadata.payment_id });
    if (event.checkoutSessionId) candidates.push({ checkoutSessionId: event.checkoutSessionId });
    if (event.paymentIntentId) candidates.push({ paymentIntentId: event.paymentIntentId });
    for (const where of candidates) {
      const found = await tx.findOneBy(Payment, where);
      if (!found) continue;
      if (metadata.case_id && found.caseId !== metadata.case_id) return null;
      return this.applier.lock(tx, found.id);
    }
    return null;
  }

  private async recordIgnored(tx: EntityManager, event: PaymentEvent, tenantId: string): Promise<boolean> {
    this.logger.log({ eventId: event.id, type: event.type, tenantId }, 'payment event for no known payment: recorded and ignored');
    return this.record(tx, event, tenantId, null, 'ignored');
  }

  /** False when the event was already recorded: it has been applied (or ignored) before. */
  private async record(
    tx: EntityManager,
    event: PaymentEvent,
    tenantId: string,
    paymentId: string | null,
    outcome: 'applied' | 'ignored',
  ): Promise<boolean> {
    const inserted = await rows(
      tx,
      `INSERT INTO payment_events (provider, event_id, type, tenant_id, payment_id, outcome, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, provider, event_id) DO NOTHING RETURNING event_id`,
      [event.provider, event.id, event.type, tenantId, paymentId, outcome, event.occurredAt],
    );
    return inserted.length > 0;
  }
}

function defined(metadata: PaymentMetadata): PaymentMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, v]) => v));
}
