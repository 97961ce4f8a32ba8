import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { PaymentProviderFailed } from '../payments/payment-errors';
import {
  CheckoutRequest,
  CheckoutSession,
  PaymentMetadata,
  PaymentProvider,
  ProviderPaymentIntent,
  RenewedHold,
  RenewHoldRequest,
} from './payment-provider';

/**
 * Stripe Checkout with manual capture, as destination charges on each hospital's Connect account with the
 * platform's application fee. Every POST carries an Idempotency-Key derived from the case (or tenant) and the
 * action, so a retry (ours or the SDK's) never creates a second session, capture or refund.
 */
export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly logger = new Logger(StripeProvider.name);

  constructor(private readonly stripe: Stripe) {}

  async createCheckout(r: CheckoutRequest): Promise<CheckoutSession> {
    const destination = r.destinationAccountId;
    if (!destination) throw new Error('a Stripe checkout needs the hospital’s connected account');
    const metadata = { tenant_id: r.tenantId, case_id: r.caseId, payment_id: r.paymentId };
    const session = await this.call('checkout.create', () =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: r.paymentId,
          // The card is kept (on a customer of the platform) so that a hold which lapses before the hospital accepts
          // can be renewed without the patient.
          customer_creation: 'always',
          line_items: [
            {
              quantity: 1,
              // What the card statement and the checkout page show: the hospital and a reference, nothing clinical.
              price_data: {
                currency: r.currency.toLowerCase(),
                unit_amount: r.amountMinor,
                product_data: { name: `${r.hospitalName}: second opinion`, description: `Reference ${r.reference}` },
              },
            },
          ],
          payment_intent_data: {
            capture_method: 'manual',
            setup_future_usage: 'off_session',
            application_fee_amount: r.applicationFeeMinor,
            transfer_data: { destination },
            on_behalf_of: destination,
            metadata,
          },
          metadata,
          success_url: r.successUrl,
          cancel_url: r.cancelUrl,
        },
        { idempotencyKey: r.idempotencyKey ?? `checkout:${r.caseId}:${r.attempt}` },
      ),
    );
    if (!session.url) throw new PaymentProviderFailed('checkout session without a URL');
    return { sessionId: session.id, url: session.url };
  }

  async capture(r: { paymentIntentId: string; caseId: string; amountMinor: number }): Promise<{ capturedMinor: number }> {
    const intent = await this.call('payment_intent.capture', () =>
      this.stripe.paymentIntents.capture(
        r.paymentIntentId,
        { amount_to_capture: r.amountMinor },
        { idempotencyKey: `capture:${r.caseId}:${r.paymentIntentId}` },
      ),
    );
    return { capturedMinor: intent.amount_received };
  }

  async renewHold(r: RenewHoldRequest): Promise<RenewedHold> {
    const destination = r.destinationAccountId;
    if (!destination) throw new Error('a Stripe charge needs the hospital’s connected account');
    const lapsed = await this.call('payment_intent.retrieve', () => this.stripe.paymentIntents.retrieve(r.paymentIntentId));
    const paymentMethod = idOf(lapsed.payment_method);
    const customer = idOf(lapsed.customer);
    if (!paymentMethod || !customer) return { ok: false, code: 'no_saved_card' };
    const metadata = { tenant_id: r.tenantId, case_id: r.caseId, payment_id: r.paymentId };
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: r.amountMinor,
          currency: r.currency.toLowerCase(),
          customer,
          payment_method: paymentMethod,
          off_session: true,
          confirm: true,
          capture_method: 'manual',
          application_fee_amount: r.applicationFeeMinor,
          transfer_data: { destination },
          on_behalf_of: destination,
          metadata,
        },
        { idempotencyKey: `renew:${r.caseId}:${r.paymentIntentId}` },
      );
      if (intent.status === 'requires_capture') return { ok: true, paymentIntentId: intent.id };
      return { ok: false, code: intent.status === 'requires_action' ? 'authentication_required' : 'not_authorized' };
    } catch (error) {
      // The bank's refusal is an answer, not a fault: the patient is asked to confirm. Anything else is a fault.
      if (error instanceof Stripe.errors.StripeCardError) {
        this.logger.warn({ action: 'payment_intent.renew', code: error.code, caseId: r.caseId }, 'saved card refused off-session');
        return { ok: false, code: error.code === 'authentication_required' ? 'authentication_required' : 'card_declined' };
      }
      return this.call('payment_intent.renew', () => Promise.reject(error as Error));
    }
  }

  async cancel(r: {
    paymentIntentId: string | null;
    checkoutSessionId: string | null;
    caseId: string;
    reason: 'declined' | 'cancelled' | 'abandoned';
  }): Promise<void> {
    if (r.paymentIntentId) {
      await this.call('payment_intent.cancel', () =>
        this.stripe.paymentIntents.cancel(
          r.paymentIntentId!,
          { cancellation_reason: r.reason === 'cancelled' ? 'requested_by_customer' : 'abandoned' },
          { idempotencyKey: `release:${r.caseId}:${r.paymentIntentId}` },
        ),
      );
      return;
    }
    if (r.checkoutSessionId) {
      // An unfinished checkout holds nothing; expiring it stops the patient from completing it later.
      await this.call('checkout.expire', () =>
        this.stripe.checkout.sessions.expire(r.checkoutSessionId!, {}, { idempotencyKey: `expire:${r.caseId}:${r.checkoutSessionId}` }),
      ).catch((error: unknown) => this.logger.warn({ err: error, caseId: r.caseId }, 'checkout session could not be expired'));
    }
  }

  async refund(r: {
    paymentIntentId: string;
    caseId: string;
    tenantId: string;
    amountMinor: number;
    sequence: string;
  }): Promise<{ refundId: string }> {
    const refund = await this.call('refund.create', () =>
      this.stripe.refunds.create(
        {
          payment_intent: r.paymentIntentId,
          amount: r.amountMinor,
          // Staff's free-text reason stays in our database: it may describe the patient.
          reason: 'requested_by_customer',
          // Destination charge: the hospital gives the money back and the platform its fee.
          reverse_transfer: true,
          refund_application_fee: true,
          metadata: { tenant_id: r.tenantId, case_id: r.caseId },
        },
        { idempotencyKey: `refund:${r.caseId}:${r.sequence}` },
      ),
    );
    return { refundId: refund.id };
  }

  async retrievePaymentIntent(id: string): Promise<ProviderPaymentIntent | null> {
    try {
      return toIntent(await this.stripe.paymentIntents.retrieve(id));
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
      throw new PaymentProviderFailed(error);
    }
  }

  async *listPaymentIntents(since: Date): AsyncIterable<ProviderPaymentIntent> {
    const list = this.stripe.paymentIntents.list({ created: { gte: Math.floor(since.getTime() / 1000) }, limit: 100 });
    for await (const intent of list) yield toIntent(intent);
  }

  async createAccount(tenantId: string): Promise<{ accountId: string }> {
    const account = await this.call('account.create', () =>
      this.stripe.accounts.create(
        {
          type: 'express',
          metadata: { tenant_id: tenantId },
          capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        },
        { idempotencyKey: `connect-account:${tenantId}` },
      ),
    );
    return { accountId: account.id };
  }

  async onboardingLink(r: { tenantId: string; accountId: string; returnUrl: string; refreshUrl: string }): Promise<string> {
    // Links are single-use and short-lived: the key changes every five minutes, so a double click gets one link
    // and a later visit gets a fresh one.
    const window = Math.floor(Date.now() / 300000);
    const link = await this.call('account_link.create', () =>
      this.stripe.accountLinks.create(
        { account: r.accountId, type: 'account_onboarding', return_url: r.returnUrl, refresh_url: r.refreshUrl },
        { idempotencyKey: `connect-link:${r.tenantId}:${window}` },
      ),
    );
    return link.url;
  }

  /** Stripe's own error text can carry card details or request data: log its code, show the user ours. */
  private async call<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const e = error as { type?: string; code?: string; statusCode?: number; requestId?: string };
      this.logger.error(
        { action, type: e.type, code: e.code, status: e.statusCode, stripeRequestId: e.requestId },
        'stripe request failed',
      );
      throw new PaymentProviderFailed(error);
    }
  }
}

export function toIntent(intent: Stripe.PaymentIntent): ProviderPaymentIntent {
  const status: ProviderPaymentIntent['status'] =
    intent.status === 'requires_capture'
      ? 'authorized'
      : intent.status === 'succeeded'
        ? 'captured'
        : intent.status === 'canceled'
          ? 'released'
          : intent.last_payment_error
            ? 'failed'
            : 'pending';
  return {
    id: intent.id,
    status,
    currency: intent.currency.toUpperCase(),
    amountMinor: intent.amount,
    capturableMinor: intent.amount_capturable,
    receivedMinor: intent.amount_received,
    metadata: pickMetadata(intent.metadata),
    createdAt: new Date(intent.created * 1000),
  };
}

const idOf = (value: string | { id: string } | null | undefined): string | undefined => (typeof value === 'string' ? value : value?.id);

export function pickMetadata(metadata: Stripe.Metadata | null | undefined): PaymentMetadata {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const pick = (key: string) => (metadata?.[key] && uuid.test(metadata[key]) ? metadata[key] : undefined);
  return { tenant_id: pick('tenant_id'), case_id: pick('case_id'), payment_id: pick('payment_id') };
}
