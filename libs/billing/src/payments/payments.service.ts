import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig, NotFound, one, RequestContext, TenantDatabase, todayIn } from '@consilium/core';
import { Case } from '@consilium/cases';
import { ResolvedTenant, Tenant, TenantDomain } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { PAYMENT_PROVIDER, PaymentProvider } from '../providers/payment-provider';
import { FollowUp, PaymentApplier } from './payment-applier';
import { PaymentAccounts } from './payment-accounts.service';
import { HoldOutcome, PaymentHolds } from './payment-holds';
import { CaseNotPayable, PaymentsNotReady, RefundNotPossible } from './payment-errors';
import { Payment } from './payment.entity';
import { LIVE_STATUSES } from './payment-status';
import { FundingChoice, FundingClaims } from './funding/funding-claims.service';

/** A Stripe Checkout session lives 24 hours; a pending attempt older than this is replaced by a new one. */
const CHECKOUT_REUSE_MS = 23 * 3600 * 1000;

export interface CheckoutStart {
  paymentId: string;
  /** Where to send the patient: the provider's checkout, or (nothing to pay) the receipt. */
  redirectUrl: string;
  status: Payment['status'];
}

/**
 * The money side of a case, for intake (startCheckout) and the pipeline (capture on accept, release on decline or
 * cancel), plus refunds for admins. Provider calls made inside a transaction keep the case and the money in step:
 * if the capture fails, the acceptance rolls back with it.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly applier: PaymentApplier,
    private readonly accounts: PaymentAccounts,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly claims: FundingClaims,
    private readonly holds: PaymentHolds,
  ) {}

  /**
   * Starts (or resumes) paying for a draft case whose quote the patient accepted. The amount is the quote's total;
   * a total of zero (fully funded) needs no provider: it is authorized at once and the case is submitted.
   */
  async startCheckout(tx: EntityManager, caseId: string, funding: FundingChoice = {}): Promise<CheckoutStart> {
    const c = await tx
      .getRepository(Case)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id: caseId })
      .getOne();
    if (!c) throw new NotFound();
    if (c.state !== 'draft') throw new CaseNotPayable('sent');
    if (!c.quote) throw new CaseNotPayable('unpriced');
    if (!c.quoteAcceptedAt) throw new CaseNotPayable('not_accepted');
    const quote = c.quote;
    if (!Number.isInteger(quote.total) || quote.total < 0) throw new CaseNotPayable('invalid_price');

    const live = await tx.findOne(Payment, { where: { tenantId: c.tenantId, caseId, purpose: 'opinion' }, order: { attempt: 'DESC' } });
    if (live && LIVE_STATUSES.includes(live.status)) {
      if (live.status !== 'pending') throw new CaseNotPayable('paid');
      if (live.checkoutUrl && Date.now() - live.createdAt.getTime() < CHECKOUT_REUSE_MS)
        return { paymentId: live.id, redirectUrl: live.checkoutUrl, status: live.status };
      await this.abandon(tx, live);
    }

    const tenant = await this.tenantInfo(tx, c.tenantId);
    // The program's own rule (a code, the patient's confirmation, a coordinator's review later) before any money.
    if (quote.funding && quote.funding.amount > 0)
      await this.claims.claim(tx, c, quote.funding.programId, funding, todayIn(tenant.timeZone));
    else await this.claims.drop(tx, caseId);
    const account = await this.accounts.find(tx, c.tenantId);
    const funded = quote.funding && quote.funding.amount > 0 ? quote.funding : null;
    const payment = tx.create(Payment, {
      tenantId: c.tenantId,
      caseId,
      patientId: c.patientId,
      // Attempts are numbered per case across the opinion and its extras: each makes its own idempotency keys.
      attempt: (await this.lastAttempt(tx, caseId)) + 1,
      provider: quote.total === 0 ? 'none' : this.provider.name,
      currency: quote.currency,
      amountMinor: quote.total,
      fundingProgramId: funded?.programId ?? null,
      fundedMinor: funded?.amount ?? 0,
      applicationFeeMinor: quote.total === 0 ? 0 : this.accounts.feeFor(account, quote.total),
      status: 'pending',
    });
    await tx.insert(Payment, payment);
    const saved = await tx.findOneByOrFail(Payment, { tenantId: c.tenantId, id: payment.id });
    const receiptUrl = `${tenant.origin}/account/receipts/${saved.id}`;

    if (quote.total === 0) {
      const { payment: authorized } = await this.applier.apply(tx, saved, [{ kind: 'authorized', amountMinor: 0, at: new Date() }]);
      return { paymentId: saved.id, redirectUrl: receiptUrl, status: authorized.status };
    }
    return this.openCheckout(tx, c, saved, tenant, account, `${tenant.origin}/account?checkout=cancelled`);
  }

  /**
   * A paid extra after delivery (another follow-up question, a video consult): its own payment, for its price,
   * through the same provider. Authorized, it is captured at once (nothing waits for a coordinator).
   */
  async startExtraCheckout(
    tx: EntityManager,
    extra: { id: string; caseId: string; currency: string; priceMinor: number },
  ): Promise<CheckoutStart> {
    const c = await tx.findOneByOrFail(Case, { id: extra.caseId });
    const live = await tx.findOne(Payment, { where: { tenantId: c.tenantId, extraId: extra.id }, order: { attempt: 'DESC' } });
    if (live && LIVE_STATUSES.includes(live.status)) {
      if (live.status !== 'pending') throw new CaseNotPayable('paid');
      if (live.checkoutUrl && Date.now() - live.createdAt.getTime() < CHECKOUT_REUSE_MS)
        return { paymentId: live.id, redirectUrl: live.checkoutUrl, status: live.status };
      await this.abandon(tx, live);
    }
    const tenant = await this.tenantInfo(tx, c.tenantId);
    const account = await this.accounts.find(tx, c.tenantId);
    const payment = tx.create(Payment, {
      tenantId: c.tenantId,
      caseId: c.id,
      patientId: c.patientId,
      purpose: 'extra',
      extraId: extra.id,
      attempt: (await this.lastAttempt(tx, c.id)) + 1,
      provider: this.provider.name,
      currency: extra.currency,
      amountMinor: extra.priceMinor,
      fundingProgramId: null,
      fundedMinor: 0,
      applicationFeeMinor: this.accounts.feeFor(account, extra.priceMinor),
      status: 'pending',
    });
    await tx.insert(Payment, payment);
    const saved = await tx.findOneByOrFail(Payment, { tenantId: c.tenantId, id: payment.id });
    return this.openCheckout(tx, c, saved, tenant, account, `${tenant.origin}/account/cases/${c.id}?checkout=cancelled#extras`);
  }

  private async openCheckout(
    tx: EntityManager,
    c: Case,
    saved: Payment,
    tenant: { name: string; origin: string },
    account: Awaited<ReturnType<PaymentAccounts['find']>>,
    cancelUrl: string,
    idempotencyKey?: string,
  ): Promise<CheckoutStart> {
    if (this.provider.name === 'stripe' && !account?.chargesEnabled) throw new PaymentsNotReady();
    const session = await this.provider.createCheckout({
      tenantId: c.tenantId,
      caseId: c.id,
      paymentId: saved.id,
      attempt: saved.attempt,
      hospitalName: tenant.name,
      reference: c.number,
      currency: saved.currency,
      amountMinor: saved.amountMinor,
      applicationFeeMinor: saved.applicationFeeMinor,
      destinationAccountId: account?.accountId ?? null,
      origin: tenant.origin,
      idempotencyKey,
      successUrl: `${tenant.origin}/account/receipts/${saved.id}?checkout=done`,
      cancelUrl,
    });
    await tx.update(Payment, { tenantId: c.tenantId, id: saved.id }, { checkoutSessionId: session.sessionId, checkoutUrl: session.url });
    return { paymentId: saved.id, redirectUrl: session.url, status: 'pending' };
  }

  /** Before the pipeline's `accept`: renews a lapsed hold from the saved card, or asks the patient to confirm. */
  renewIfLapsed(caseId: string): Promise<HoldOutcome> {
    return this.holds.renewIfLapsed(caseId);
  }

  /**
   * The patient confirms a payment whose saved card needed them: a checkout for the same payment, with its own
   * idempotency key per request for confirmation. Answers where to go (back to the case when nothing waits).
   */
  async startConfirmation(caseId: string): Promise<string> {
    const { case: c, payment } = await this.holds.awaiting(caseId);
    if (!payment.confirmationRequestedAt || payment.status !== 'authorized') return `/account/cases/${caseId}`;
    return this.db.transaction(async (tx) => {
      const tenant = await this.tenantInfo(tx, c.tenantId);
      const account = await this.accounts.find(tx, c.tenantId);
      const key = `confirm:${c.id}:${payment.id}:${payment.confirmationRequestedAt!.getTime()}`;
      const cancelUrl = `${tenant.origin}/account/cases/${c.id}/confirm-payment`;
      return (await this.openCheckout(tx, c, payment, tenant, account, cancelUrl, key)).redirectUrl;
    });
  }

  /**
   * The pipeline's `accept`: captures the case's authorization. Idempotent: a captured payment is returned as is.
   * Throws when there is nothing authorized to capture, so the acceptance does not happen without the money.
   */
  async capture(tx: EntityManager, caseId: string): Promise<Payment> {
    await this.claims.assertCapturable(tx, caseId);
    const payment = await this.livePayment(tx, caseId);
    if (!payment) throw new CaseNotPayable('no_payment');
    if (['captured', 'partially_refunded', 'refunded', 'disputed'].includes(payment.status)) return payment;
    if (payment.status !== 'authorized') throw new CaseNotPayable('not_authorized');
    // A lapsed hold cannot be captured: renewIfLapsed runs first, and the patient's confirmation renews it.
    if (payment.provider !== 'none' && this.holds.lapsed(payment)) throw new CaseNotPayable('not_authorized');
    const captured =
      payment.provider === 'none'
        ? 0
        : (await this.provider.capture({ paymentIntentId: payment.paymentIntentId!, caseId, amountMinor: payment.authorizedMinor }))
            .capturedMinor;
    return (await this.applier.apply(tx, payment, [{ kind: 'captured', amountMinor: captured, at: new Date() }])).payment;
  }

  /**
   * What a cancellation gives back now, for the patient's confirmation page. Cancelling is possible only before
   * acceptance, when nothing has been captured: the hold is released. Read in the request's tenant.
   */
  async cancellationTerms(caseId: string): Promise<{ currency: string | null; releasedMinor: number; refundedMinor: number }> {
    const payment = await this.db.transaction((tx) =>
      tx.findOne(Payment, { where: { caseId, purpose: 'opinion' }, order: { attempt: 'DESC' } }),
    );
    if (!payment) return { currency: null, releasedMinor: 0, refundedMinor: 0 };
    const held = payment.status === 'authorized' ? payment.authorizedMinor : 0;
    const refundable = ['captured', 'partially_refunded'].includes(payment.status) ? payment.capturedMinor - payment.refundedMinor : 0;
    return { currency: payment.currency, releasedMinor: held, refundedMinor: refundable };
  }

  /** The pipeline's `decline` and `cancel`: gives the authorization back; the patient is charged nothing. */
  async release(tx: EntityManager, caseId: string, reason: 'declined' | 'cancelled' = 'cancelled'): Promise<Payment | null> {
    const payment = await this.livePayment(tx, caseId);
    if (!payment) return null;
    if (payment.status !== 'pending' && payment.status !== 'authorized') {
      this.logger.warn({ caseId, paymentId: payment.id, status: payment.status }, 'release asked for a payment that is not held');
      return payment;
    }
    // A lapsed hold is no longer held at the provider (Stripe cancelled it): there is nothing to give back there, and
    // asking would be refused. The saved card is simply never used.
    if (payment.provider !== 'none' && !(payment.status === 'authorized' && this.holds.lapsed(payment))) {
      await this.provider.cancel({
        paymentIntentId: payment.paymentIntentId,
        checkoutSessionId: payment.checkoutSessionId,
        caseId,
        reason,
      });
    }
    return (await this.applier.apply(tx, payment, [{ kind: 'released', at: new Date() }])).payment;
  }

  /**
   * Refunds all (no amount) or part of a captured payment, with staff's reason (kept here, not sent to the
   * provider). A full refund moves the case to `refunded`. Runs in the current request's tenant unless told.
   */
  async refund(
    caseId: string,
    amountMinor: number | undefined,
    reason: string,
    options: { tenantId?: string; keepCase?: boolean } = {},
  ): Promise<Payment> {
    const tenantId = options.tenantId ?? this.context.tenant().id;
    return this.db.forTenant(tenantId, async (tx) => {
      const found = await tx.findOne(Payment, { where: { tenantId, caseId }, order: { attempt: 'DESC' } });
      const payment = found && (await this.applier.lock(tx, found.id));
      if (!payment) throw new NotFound();
      if (!['captured', 'partially_refunded', 'disputed'].includes(payment.status)) throw new RefundNotPossible('nothing_left');
      const refundable = payment.capturedMinor - payment.refundedMinor;
      const amount = amountMinor ?? refundable;
      if (!Number.isInteger(amount) || amount <= 0) throw new RefundNotPossible('not_positive');
      if (amount > refundable) throw new RefundNotPossible('too_much');
      const { refundId } = await this.provider.refund({
        paymentIntentId: payment.paymentIntentId!,
        caseId,
        tenantId,
        amountMinor: amount,
        sequence: `${payment.refundedMinor}-${amount}`,
      });
      await tx.query(
        `INSERT INTO payment_refunds (tenant_id, payment_id, provider_refund_id, amount_minor, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, provider_refund_id) DO NOTHING`,
        [tenantId, payment.id, refundId, amount, reason, this.context.actor()?.id ?? null],
      );
      const total = payment.refundedMinor + amount;
      return (
        await this.applier.apply(tx, payment, [{ kind: 'refunded', totalRefundedMinor: total, at: new Date() }], {
          refundReason: reason,
          keepCase: options.keepCase,
        })
      ).payment;
    });
  }

  /**
   * After a provider event's transaction: gives back an authorization nobody wants any more, or captures a paid
   * extra's. Both are idempotent (a captured or released payment is left alone).
   */
  async runFollowUp(followUp: FollowUp): Promise<void> {
    await this.db.forTenant(followUp.tenantId, async (tx) => {
      const payment = await this.applier.lock(tx, followUp.paymentId);
      if (followUp.kind === 'capture') {
        if (!payment || payment.status !== 'authorized') return;
        const captured = (
          await this.provider.capture({
            paymentIntentId: payment.paymentIntentId!,
            caseId: payment.caseId,
            amountMinor: payment.authorizedMinor,
          })
        ).capturedMinor;
        await this.applier.apply(tx, payment, [{ kind: 'captured', amountMinor: captured, at: new Date() }]);
        return;
      }
      if (!payment || !payment.paymentIntentId || payment.capturedAt) return;
      await this.provider.cancel({
        paymentIntentId: payment.paymentIntentId,
        checkoutSessionId: payment.checkoutSessionId,
        caseId: payment.caseId,
        reason: followUp.reason,
      });
      await this.applier.apply(tx, payment, [{ kind: 'released', at: new Date() }]);
    });
  }

  /** The highest attempt number of the case's payments (the opinion's and its extras'), 0 when none. */
  async lastAttempt(tx: EntityManager, caseId: string): Promise<number> {
    const { n } = await one<{ n: number }>(tx, 'SELECT coalesce(max(attempt), 0)::int AS n FROM payments WHERE case_id = $1', [caseId]);
    return n;
  }

  private async livePayment(tx: EntityManager, caseId: string): Promise<Payment | null> {
    const rows = await tx.find(Payment, { where: { caseId, purpose: 'opinion' }, order: { attempt: 'DESC' }, take: 1 });
    return rows[0] ? this.applier.lock(tx, rows[0].id) : null;
  }

  /** A pending checkout that is too old to resume: expire it at the provider, then start over. */
  private async abandon(tx: EntityManager, payment: Payment): Promise<void> {
    if (payment.provider !== 'none') {
      await this.provider.cancel({
        paymentIntentId: null,
        checkoutSessionId: payment.checkoutSessionId,
        caseId: payment.caseId,
        reason: 'abandoned',
      });
    }
    const locked = (await this.applier.lock(tx, payment.id))!;
    await this.applier.apply(tx, locked, [{ kind: 'failed', code: 'checkout_expired', at: new Date() }]);
  }

  /** The hospital's name and public origin, for the checkout page and the return addresses. */
  private async tenantInfo(tx: EntityManager, tenantId: string): Promise<{ name: string; origin: string; timeZone: string }> {
    const current = this.context.tenantOrNull<ResolvedTenant>();
    if (current?.id === tenantId && current.primaryHost)
      return { name: current.name, origin: this.config.originFor(current.primaryHost), timeZone: current.timeZone };
    const tenant = await tx.findOneByOrFail(Tenant, { id: tenantId });
    const primary = await tx.findOneBy(TenantDomain, { tenantId, isPrimary: true });
    return {
      name: tenant.name,
      origin: this.config.originFor(primary?.host ?? this.config.platformHostFor(tenant.slug)),
      timeZone: tenant.timeZone,
    };
  }
}
