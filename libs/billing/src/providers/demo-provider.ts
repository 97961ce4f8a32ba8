import { createHash } from 'node:crypto';
import type { Payment } from '../payments/payment.entity';
import type { PaymentEvent } from '../webhooks/payment-event';
import {
  CheckoutRequest,
  CheckoutSession,
  PaymentProvider,
  ProviderPaymentIntent,
  RenewedHold,
  RenewHoldRequest,
} from './payment-provider';

/**
 * The demo's two test cards, as Stripe's test cards behave: one renews a lapsed hold without the patient, the other
 * (like Stripe's 4000 0027 6000 3184) always asks the patient to authenticate, so the demo can show a hold that
 * cannot be renewed. The card is part of the demo authorization's id: the demo keeps no other state.
 */
export type DemoCard = 'saved' | 'asks';
const ASKS = 'demo_pi_asks_';

const short = (...parts: string[]) => createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 24);

/**
 * The embedded default when no Stripe key is configured: a checkout page on the hospital's own host
 * (/pay/demo/:sessionId, marked "demo: no money moves"). Its Authorize button produces the same events Stripe's
 * webhooks would, applied by the same code, so the demo walks every state a real payment does. Nothing leaves the
 * machine. Ids are derived from the request, so a repeated call answers the same, as Stripe's idempotency keys do.
 */
/* eslint-disable @typescript-eslint/require-await -- PaymentProvider is asynchronous (Stripe answers over the network); the demo answers at once */
export class DemoProvider implements PaymentProvider {
  readonly name = 'demo' as const;

  async createCheckout(r: CheckoutRequest): Promise<CheckoutSession> {
    const sessionId = `demo_cs_${short('checkout', r.idempotencyKey ?? `${r.caseId}:${r.attempt}`)}`;
    return { sessionId, url: `${r.origin}/pay/demo/${sessionId}` };
  }

  async capture(r: { amountMinor: number }): Promise<{ capturedMinor: number }> {
    return { capturedMinor: r.amountMinor };
  }

  async renewHold(r: RenewHoldRequest): Promise<RenewedHold> {
    if (r.paymentIntentId.startsWith(ASKS)) return { ok: false, code: 'authentication_required' };
    return { ok: true, paymentIntentId: `demo_pi_${short('renew', r.caseId, r.paymentIntentId)}` };
  }

  async cancel(): Promise<void> {
    // Nothing is held anywhere: the payment row is the demo's whole state.
  }

  async refund(r: { caseId: string; sequence: string }): Promise<{ refundId: string }> {
    return { refundId: `demo_re_${short('refund', r.caseId, r.sequence)}` };
  }

  async retrievePaymentIntent(): Promise<ProviderPaymentIntent | null> {
    return null;
  }

  async *listPaymentIntents(): AsyncIterable<ProviderPaymentIntent> {
    // The demo keeps no ledger of its own to compare with.
  }

  async createAccount(tenantId: string): Promise<{ accountId: string }> {
    return { accountId: `demo_acct_${short('account', tenantId)}` };
  }

  async onboardingLink(r: { returnUrl: string }): Promise<string> {
    return r.returnUrl;
  }
  /* eslint-enable @typescript-eslint/require-await */

  /** What Stripe sends when the patient authorizes: the session completes, then the amount becomes capturable. */
  authorizationEvents(payment: Payment, card: DemoCard = 'saved'): PaymentEvent[] {
    const metadata = { tenant_id: payment.tenantId, case_id: payment.caseId, payment_id: payment.id };
    const paymentIntentId = `${card === 'asks' ? ASKS : 'demo_pi_'}${short('intent', payment.checkoutSessionId ?? payment.id)}`;
    const at = new Date();
    const base = {
      provider: 'demo' as const,
      occurredAt: at,
      metadata,
      checkoutSessionId: payment.checkoutSessionId ?? undefined,
      paymentIntentId,
    };
    return [
      { ...base, id: `demo_evt_${short('completed', payment.id, paymentIntentId)}`, type: 'checkout.session.completed', facts: [] },
      {
        ...base,
        id: `demo_evt_${short('capturable', payment.id, paymentIntentId)}`,
        type: 'payment_intent.amount_capturable_updated',
        facts: [{ kind: 'authorized', amountMinor: payment.amountMinor, at }],
      },
    ];
  }

  /** What Stripe sends when the patient leaves the checkout and it expires. */
  cancellationEvents(payment: Payment): PaymentEvent[] {
    const metadata = { tenant_id: payment.tenantId, case_id: payment.caseId, payment_id: payment.id };
    return [
      {
        provider: 'demo',
        id: `demo_evt_${short('expired', payment.id)}`,
        type: 'checkout.session.expired',
        occurredAt: new Date(),
        metadata,
        checkoutSessionId: payment.checkoutSessionId ?? undefined,
        facts: [{ kind: 'failed', code: 'checkout_cancelled', at: new Date() }],
      },
    ];
  }
}
