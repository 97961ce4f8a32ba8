import { Injectable } from '@nestjs/common';
import { BEFORE_ACCEPTANCE, Case, CasePipeline, MoveNotAllowed, MOVES_BY_NAME } from '@consilium/cases';
import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { FundingBudgets, FundingStep } from './funding/funding-budgets.service';
import { FundingExhausted } from './payment-errors';
import { PaymentMetrics } from './payment-metrics';
import { Payment } from './payment.entity';
import { applyFact, PaymentFact, PaymentFacts, statusOf } from './payment-status';

/** Work that must wait for the transaction to commit: it calls the provider. */
export type FollowUp =
  | { kind: 'release'; tenantId: string; paymentId: string; reason: 'cancelled' | 'declined' | 'abandoned' }
  /** A paid extra, authorized: captured at once. */
  | { kind: 'capture'; tenantId: string; paymentId: string };

export interface ApplyOptions {
  paymentIntentId?: string;
  dispute?: { id: string; reason: string };
  /** Staff's reason when they refund from the console. */
  refundReason?: string;
  /** A refund by rule (late): the patient keeps their case and its opinion, even when all of it is refunded. */
  keepCase?: boolean;
}

const factsOf = (p: Payment): PaymentFacts => ({
  authorizedMinor: p.authorizedMinor,
  capturedMinor: p.capturedMinor,
  refundedMinor: p.refundedMinor,
  authorizedAt: p.authorizedAt,
  capturedAt: p.capturedAt,
  releasedAt: p.releasedAt,
  failedAt: p.failedAt,
  disputedAt: p.disputedAt,
});

/**
 * Applies what the provider reported to a payment and everything that follows from it, in the caller's tenant
 * transaction: the funding budget, the case (authorized -> submitted), events for staff. Effects fire when a
 * milestone is first crossed (authorized, captured, released, first refund, fully refunded, disputed), so the same
 * facts give the same effects whatever the order and number of the events that carried them.
 */
@Injectable()
export class PaymentApplier {
  constructor(
    private readonly pipeline: CasePipeline,
    private readonly funding: FundingBudgets,
    private readonly metrics: PaymentMetrics,
  ) {}

  /** The payment, locked until the transaction ends: every change to one payment takes turns. */
  lock(tx: EntityManager, paymentId: string): Promise<Payment | null> {
    return tx.getRepository(Payment).createQueryBuilder('p').setLock('pessimistic_write').where('p.id = :id', { id: paymentId }).getOne();
  }

  async apply(
    tx: EntityManager,
    payment: Payment,
    facts: PaymentFact[],
    options: ApplyOptions = {},
  ): Promise<{ payment: Payment; followUps: FollowUp[] }> {
    const before = factsOf(payment);
    let after = facts.reduce(applyFact, before);
    let failureCode = payment.failureCode ?? lastFailure(facts);
    const followUps: FollowUp[] = [];

    if (!before.authorizedAt && after.authorizedAt && payment.purpose === 'extra') {
      await this.onExtraAuthorized(tx, payment, after.authorizedAt);
      followUps.push({ kind: 'capture', tenantId: payment.tenantId, paymentId: payment.id });
    } else if (!before.authorizedAt && after.authorizedAt) {
      const outcome = await this.onAuthorized(tx, payment, after.authorizedAt);
      if (outcome === 'funding_exhausted') {
        // The fund cannot cover what the patient was promised: give the authorization back rather than charge more.
        after = applyFact(after, { kind: 'released', at: after.authorizedAt });
        failureCode = 'funding_exhausted';
        followUps.push({ kind: 'release', tenantId: payment.tenantId, paymentId: payment.id, reason: 'abandoned' });
      } else if (outcome === 'case_closed') {
        followUps.push({ kind: 'release', tenantId: payment.tenantId, paymentId: payment.id, reason: 'cancelled' });
      }
    }
    if (!before.capturedAt && after.capturedAt) await this.onCaptured(tx, payment);
    const released = (f: PaymentFacts) => !!(f.releasedAt && f.authorizedAt && !f.capturedAt);
    if (!released(before) && released(after)) await this.onReleased(tx, payment);
    // What was refunded this time, in the payment's currency: the patient's email states it.
    const refunded = { amount: after.refundedMinor - before.refundedMinor, currency: payment.currency };
    if (before.refundedMinor === 0 && after.refundedMinor > 0) await this.record(tx, payment, 'payment_refunded', refunded);
    const full = (f: PaymentFacts) => f.refundedMinor > 0 && f.refundedMinor >= f.capturedMinor;
    if (!full(before) && full(after))
      await this.onRefundedInFull(
        tx,
        payment,
        refunded,
        options.refundReason,
        options.keepCase ? { afterPartial: before.refundedMinor > 0 } : undefined,
      );
    if (!before.disputedAt && after.disputedAt)
      await this.record(tx, payment, 'payment_disputed', { disputeReason: options.dispute?.reason ?? 'unknown' });

    const status = statusOf(after);
    const changes: Partial<Payment> = {
      ...after,
      status,
      // A declined card the patient then replaced is history, not the payment's state: kept only while it explains it.
      failureCode: status === 'failed' || status === 'released' ? failureCode : null,
      paymentIntentId: payment.paymentIntentId ?? options.paymentIntentId ?? null,
      refundedAt: after.refundedMinor > 0 ? earliestRefund(payment.refundedAt, facts) : null,
      updatedAt: new Date(),
    };
    await tx.update(Payment, { tenantId: payment.tenantId, id: payment.id }, changes);
    if (status !== payment.status) this.metrics.reached(status, payment.provider);
    return { payment: { ...payment, ...changes }, followUps };
  }

  private async onAuthorized(tx: EntityManager, p: Payment, at: Date): Promise<'ok' | 'funding_exhausted' | 'case_closed'> {
    const step = this.fundingStep(p);
    if (step && !(await this.funding.reserve(tx, step))) {
      if (p.provider === 'none') throw new FundingExhausted();
      await this.record(tx, p, 'payment_funding_exhausted', {});
      return 'funding_exhausted';
    }
    const c = await tx.findOneBy(Case, { tenantId: p.tenantId, id: p.caseId });
    if (!c) return 'case_closed';
    if (c.state === 'cancelled' || c.state === 'declined') return 'case_closed';
    await this.pipeline.markPaymentAuthorized(tx, c.id, at);
    if (c.state !== 'draft') return 'ok';
    try {
      // Intake starts a checkout only after the consents are given, so the authorization completes the submission
      // (the pipeline still checks case_consents: money alone never sends a case).
      await this.pipeline.move(tx, c.id, 'submit', 'system', { facts: { paymentAuthorized: true }, data: { paymentId: p.id } });
    } catch (error) {
      if (!(error instanceof MoveNotAllowed)) throw error;
      // The money is held but the case is not ready (no route yet): staff see it and decide.
      await this.record(tx, p, 'payment_authorized_case_not_ready', {});
    }
    return 'ok';
  }

  private async onCaptured(tx: EntityManager, p: Payment): Promise<void> {
    const step = this.fundingStep(p);
    if (step && !(await this.funding.spend(tx, step))) await this.record(tx, p, 'payment_funding_shortfall', {});
  }

  private async onReleased(tx: EntityManager, p: Payment): Promise<void> {
    const step = this.fundingStep(p);
    if (step) await this.funding.release(tx, step);
    await this.record(tx, p, 'payment_released', {});
  }

  /**
   * A paid extra is the patient's as soon as the money is held: one more follow-up question on the case, or a video
   * consult for the care team to schedule. Once per extra, whatever the number of events.
   */
  private async onExtraAuthorized(tx: EntityManager, p: Payment, at: Date): Promise<void> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
    const extra = await first<{ kind: string }>(
      tx,
      `WITH paid AS (UPDATE case_extras SET status = 'paid', paid_at = $2 WHERE tenant_id = $1 AND id = $3 AND status = 'awaiting_payment' RETURNING kind)
       SELECT kind FROM paid`,
      [p.tenantId, at, p.extraId],
    );
    if (!extra) return;
    // The case is the pipeline's: billing asks it, never writes it.
    if (extra.kind === 'follow_up') await this.pipeline.includeAnotherFollowUp(tx, { tenantId: p.tenantId, id: p.caseId });
    await this.pipeline.record(
      tx,
      { tenantId: p.tenantId, id: p.caseId },
      { type: 'extra_paid', data: { kind: extra.kind, extraId: p.extraId, paymentId: p.id } },
      null,
    );
  }

  private async onRefundedInFull(
    tx: EntityManager,
    p: Payment,
    refunded: { amount: number; currency: string },
    reason?: string,
    byRule?: { afterPartial: boolean },
  ): Promise<void> {
    // An extra refunded is only that: the opinion and the case stay as they are.
    if (p.purpose === 'extra') return this.record(tx, p, 'payment_refunded_in_full', { extra: true });
    // Refunded by rule because the opinion is late: the review goes on, the patient still gets their opinion.
    // (`afterPartial`: the patient was already told of the first refund, and is told again of the rest.)
    if (byRule) return this.record(tx, p, 'payment_refunded_in_full', { byRule: true, afterPartial: byRule.afterPartial, ...refunded });
    const c = await tx.findOneBy(Case, { tenantId: p.tenantId, id: p.caseId });
    if (c && MOVES_BY_NAME.get('refund')!.from.includes(c.state)) {
      await this.pipeline.move(tx, c.id, 'refund', 'system', {
        reason: reason ?? 'The payment was refunded in full.',
        data: { paymentId: p.id, ...refunded },
      });
      return;
    }
    // Refunded before acceptance (e.g. from the provider's dashboard): the case keeps its state; staff see why.
    await this.record(tx, p, 'payment_refunded_in_full', { beforeAcceptance: !!c && BEFORE_ACCEPTANCE.includes(c.state) });
  }

  private fundingStep(p: Payment): FundingStep | null {
    if (!p.fundingProgramId || p.fundedMinor <= 0) return null;
    return { tenantId: p.tenantId, programId: p.fundingProgramId, paymentId: p.id, caseId: p.caseId, amountMinor: p.fundedMinor };
  }

  /** A case event for the timeline and staff: ids and codes only, never amounts typed by people or clinical words. */
  private record(tx: EntityManager, p: Payment, type: string, data: Record<string, unknown>): Promise<void> {
    return this.pipeline.record(tx, { tenantId: p.tenantId, id: p.caseId }, { type, data: { paymentId: p.id, ...data } });
  }
}

function lastFailure(facts: PaymentFact[]): string | null {
  for (let i = facts.length - 1; i >= 0; i--) {
    const f = facts[i];
    if (f.kind === 'failed') return f.code;
  }
  return null;
}

function earliestRefund(current: Date | null, facts: PaymentFact[]): Date {
  let at = current;
  for (const f of facts) if (f.kind === 'refunded' && f.totalRefundedMinor > 0 && (!at || f.at < at)) at = f.at;
  return at ?? new Date();
}
