import { Inject, Injectable, Logger } from '@nestjs/common';
import { Case, CaseNotices, CasePipeline } from '@consilium/cases';
import { Clock, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { PAYMENT_PROVIDER, PaymentProvider } from '../providers/payment-provider';
import { PaymentAccounts } from './payment-accounts.service';
import { PaymentApplier } from './payment-applier';
import { Payment } from './payment.entity';

/**
 * How long a card authorization is trusted. Card networks hold an online authorization for about seven days, after
 * which Stripe cancels it; half a day short of that, so a capture never races the lapse.
 */
export const HOLD_VALID_MS = 6.5 * 24 * 3600 * 1000;

export type HoldOutcome = 'held' | 'awaiting_confirmation';

/**
 * Holds that do not expire. The card is saved at checkout; when the hospital accepts a case after its hold has
 * lapsed, the hold is renewed from the saved card without the patient. If the bank refuses that (it wants the
 * patient to authenticate, or declines), the case stays where it is, staff see that it waits for the patient, and the
 * patient is emailed a link to confirm payment; their confirmation renews the hold, and the case is accepted then.
 */
@Injectable()
export class PaymentHolds {
  private readonly logger = new Logger(PaymentHolds.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly db: TenantDatabase,
    private readonly applier: PaymentApplier,
    private readonly accounts: PaymentAccounts,
    private readonly pipeline: CasePipeline,
    private readonly notices: CaseNotices,
    private readonly clock: Clock,
    private readonly context: RequestContext,
  ) {}

  /** Whether the payment's current hold has lapsed (by the platform's clock). */
  lapsed(payment: Pick<Payment, 'authorizedAt' | 'holdRenewedAt'>): boolean {
    const since = payment.holdRenewedAt ?? payment.authorizedAt;
    return !!since && this.clock.now().getTime() - since.getTime() >= HOLD_VALID_MS;
  }

  /**
   * Before an acceptance, in its own transaction (the outcome must stay even when the acceptance does not happen):
   * a lapsed hold is renewed from the saved card, or the patient is asked to confirm payment. A hold still valid,
   * or nothing held by a provider, is left to the capture.
   */
  renewIfLapsed(caseId: string): Promise<HoldOutcome> {
    return this.db.transaction(async (tx) => {
      const found = await tx.findOne(Payment, { where: { caseId, purpose: 'opinion' }, order: { attempt: 'DESC' } });
      const payment = found && (await this.applier.lock(tx, found.id));
      if (!payment || payment.status !== 'authorized' || payment.provider === 'none' || !payment.paymentIntentId) return 'held';
      if (!this.lapsed(payment)) return payment.confirmationRequestedAt ? 'awaiting_confirmation' : 'held';
      const account = await this.accounts.find(tx, payment.tenantId);
      const renewed = await this.provider.renewHold({
        tenantId: payment.tenantId,
        caseId,
        paymentId: payment.id,
        paymentIntentId: payment.paymentIntentId,
        currency: payment.currency,
        amountMinor: payment.authorizedMinor,
        applicationFeeMinor: payment.applicationFeeMinor,
        destinationAccountId: account?.accountId ?? null,
      });
      const c = { tenantId: payment.tenantId, id: caseId, patientId: payment.patientId };
      if (renewed.ok) {
        await this.renew(tx, payment, renewed.paymentIntentId, 'payment_hold_renewed');
        return 'held';
      }
      this.logger.log({ caseId, paymentId: payment.id, code: renewed.code }, 'lapsed hold not renewed: the patient is asked to confirm');
      if (!payment.confirmationRequestedAt) {
        await tx.update(Payment, { tenantId: payment.tenantId, id: payment.id }, { confirmationRequestedAt: this.clock.now() });
        await this.pipeline.record(tx, c, { type: 'payment_confirmation_requested', data: { paymentId: payment.id, code: renewed.code } });
        await this.notices.paymentConfirmationNeeded(tx, c);
      }
      return 'awaiting_confirmation';
    });
  }

  /** The patient's own case waiting for their confirmation, with its payment; anyone else's is "not found". */
  async awaiting(caseId: string): Promise<{ case: Case; payment: Payment }> {
    return this.db.transaction(async (tx) => {
      const c = await tx.findOneBy(Case, { id: caseId, patientId: this.context.actor()?.id });
      const payment = c && (await tx.findOne(Payment, { where: { caseId, purpose: 'opinion' }, order: { attempt: 'DESC' } }));
      if (!c || !payment) throw new NotFound();
      return { case: c, payment };
    });
  }

  /**
   * A provider reported a new authorization for a payment waiting for the patient's confirmation: that is the
   * confirmation. The hold is renewed, and the hospital's acceptance, which waited for it, happens now.
   * Answers whether the case was accepted, so the new hold is captured once this transaction commits.
   */
  async confirmed(tx: EntityManager, payment: Payment, paymentIntentId: string | undefined): Promise<boolean> {
    if (!payment.confirmationRequestedAt || !paymentIntentId || paymentIntentId === payment.paymentIntentId) return false;
    // The provider reported it (a webhook, or the demo's page): the platform records it, whoever's request carried it.
    await this.renew(tx, payment, paymentIntentId, 'payment_confirmed', null);
    const c = await tx.findOneBy(Case, { tenantId: payment.tenantId, id: payment.caseId });
    if (c?.state !== 'triage') return false;
    await this.pipeline.move(tx, c.id, 'accept', 'system', { data: { paymentId: payment.id } });
    return true;
  }

  private async renew(tx: EntityManager, payment: Payment, paymentIntentId: string, event: string, actor?: null): Promise<void> {
    // The platform's clock, not the provider's: the next lapse is judged by the same clock as this one.
    const at = this.clock.now();
    await tx.update(
      Payment,
      { tenantId: payment.tenantId, id: payment.id },
      { paymentIntentId, holdRenewedAt: at, confirmationRequestedAt: null, updatedAt: new Date() },
    );
    payment.paymentIntentId = paymentIntentId;
    payment.holdRenewedAt = at;
    payment.confirmationRequestedAt = null;
    await this.pipeline.record(
      tx,
      { tenantId: payment.tenantId, id: payment.caseId },
      { type: event, data: { paymentId: payment.id } },
      actor,
    );
  }
}
