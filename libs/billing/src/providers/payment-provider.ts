/** What billing asks of a payment provider. Stripe in production; the demo provider when no key is configured. */
export interface PaymentProvider {
  readonly name: 'stripe' | 'demo';

  /** A hosted checkout that only authorizes the card; the money is captured when the hospital accepts the case. */
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>;

  /** Captures an authorization; answers the amount actually captured. */
  capture(request: { paymentIntentId: string; caseId: string; amountMinor: number }): Promise<{ capturedMinor: number }>;

  /**
   * A new authorization for the same amount from the card saved at checkout, without the patient (off-session),
   * when the first one has lapsed. Refused (the bank wants the patient to authenticate, the card is declined, none
   * was saved): the reason's code, and the patient is asked to confirm payment.
   */
  renewHold(request: RenewHoldRequest): Promise<RenewedHold>;

  /** Gives up an authorization (or an unfinished checkout): nothing is charged. */
  cancel(request: {
    paymentIntentId: string | null;
    checkoutSessionId: string | null;
    caseId: string;
    reason: 'declined' | 'cancelled' | 'abandoned';
  }): Promise<void>;

  /** Refunds part or all of a captured payment. `sequence` makes the idempotency key of each distinct refund. */
  refund(request: {
    paymentIntentId: string;
    caseId: string;
    tenantId: string;
    amountMinor: number;
    sequence: string;
  }): Promise<{ refundId: string }>;

  /** The provider's view of one payment, or null when it has none by that id. */
  retrievePaymentIntent(id: string): Promise<ProviderPaymentIntent | null>;

  /** The provider's payments created since `since`, for reconciliation. */
  listPaymentIntents(since: Date): AsyncIterable<ProviderPaymentIntent>;

  /** Connect: the hospital's own payment account, created once (idempotent per tenant). */
  createAccount(tenantId: string): Promise<{ accountId: string }>;

  /** Connect: a one-time link where the hospital finishes onboarding. */
  onboardingLink(request: { tenantId: string; accountId: string; returnUrl: string; refreshUrl: string }): Promise<string>;
}

export const PAYMENT_PROVIDER = Symbol('PaymentProvider');

export interface CheckoutRequest {
  tenantId: string;
  caseId: string;
  paymentId: string;
  attempt: number;
  /** Shown on the checkout page: the hospital's name and the case's readable number. Never clinical words. */
  hospitalName: string;
  reference: string;
  currency: string;
  amountMinor: number;
  applicationFeeMinor: number;
  /** The hospital's connected account (destination charge); null only for the demo provider. */
  destinationAccountId: string | null;
  origin: string;
  /** A second checkout for the same payment (the patient confirming it) names its own idempotency key. */
  idempotencyKey?: string;
  successUrl: string;
  cancelUrl: string;
}

export interface RenewHoldRequest {
  tenantId: string;
  caseId: string;
  paymentId: string;
  /** The lapsed authorization: the saved card and customer are the ones it was made with. */
  paymentIntentId: string;
  currency: string;
  amountMinor: number;
  applicationFeeMinor: number;
  destinationAccountId: string | null;
}

export type RenewedHold = { ok: true; paymentIntentId: string } | { ok: false; code: string };

export interface CheckoutSession {
  sessionId: string;
  url: string;
}

/** Our ids, carried in the provider's metadata. Ids only: never names, specialties or anything clinical. */
export interface PaymentMetadata {
  tenant_id?: string;
  case_id?: string;
  payment_id?: string;
}

export interface ProviderPaymentIntent {
  id: string;
  status: 'pending' | 'authorized' | 'captured' | 'released' | 'failed';
  currency: string;
  amountMinor: number;
  capturableMinor: number;
  receivedMinor: number;
  metadata: PaymentMetadata;
  createdAt: Date;
}
