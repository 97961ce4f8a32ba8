import { createHash } from 'node:crypto';
import type { Payment } from '../payments/payment.entity';
import type { PaymentEvent } from '../webhooks/payment-event';
import { CheckoutRequest, CheckoutSession, PaymentProvider, ProviderPaymentIntent } from './payment-provider';

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
    const sessionId = `demo_cs_${short('checkout', r.caseId, String(r.attempt))}`;
    return { sessionId, url: `${r.origin}/pay/demo/${sessionId}` };
  }

  async capture(r: { amountMinor: number }): Promise<{ capturedMinor: number }> {
    return { capturedMinor: r.amountMinor };
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
  authorizationEvents(payment: Payment): PaymentEvent[] {
    const metadata = { tenant_id: payment.tenantId, case_id: payment.caseId, payment_id: payment.id };
    const paymentIntentId = `demo_pi_${short('intent', payment.checkoutSessionId ?? payment.id)}`;
    const at = new Date();
    const base = {
      provider: 'demo' as const,
      occurredAt: at,
      metadata,
      checkoutSessionId: payment.checkoutSessionId ?? undefined,
      paymentIntentId,
    };
    return [
      { ...base, id: `demo_evt_${short('completed', payment.id)}`, type: 'checkout.session.completed', facts: [] },
      {
        ...base,
        id: `demo_evt_${short('capturable', payment.id)}`,
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
