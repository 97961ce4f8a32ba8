import type { PaymentFact } from '../payments/payment-status';
import type { PaymentMetadata } from '../providers/payment-provider';

/**
 * A provider event in our words: Stripe's webhooks and the demo provider's checkout both become these, and one
 * service applies them, so the demo walks exactly the states Stripe would.
 */
export interface PaymentEvent {
  provider: 'stripe' | 'demo';
  id: string;
  type: string;
  occurredAt: Date;
  metadata: PaymentMetadata;
  paymentIntentId?: string;
  checkoutSessionId?: string;
  facts: PaymentFact[];
  /** Connect: the hospital's account status (account.updated). */
  account?: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean };
  /** Disputes: only the provider's reason code and amount, for staff. */
  dispute?: { id: string; amountMinor: number; reason: string };
}
