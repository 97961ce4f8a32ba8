import { DomainError } from '@consilium/core';

/** The case is not in a state where the patient can pay (already paid, not yet priced, cancelled). */
export class CaseNotPayable extends DomainError {
  readonly code = 'case_not_payable';
  readonly status = 409;
  constructor(why: string) {
    super(`This request cannot be paid for now: ${why}.`, { hint: 'Reload the page to see where your request stands.' });
  }
}

/** A funding program has too little budget left for this case. */
export class FundingExhausted extends DomainError {
  readonly code = 'funding_exhausted';
  readonly status = 409;
  constructor() {
    super('The funding program has no budget left to cover this request.', {
      hint: 'You can continue without the program, or contact the hospital about other support.',
    });
  }
}

/** Stripe is configured but this hospital has not finished connecting its payment account. */
export class PaymentsNotReady extends DomainError {
  readonly code = 'payments_not_ready';
  readonly status = 503;
  constructor() {
    super('This hospital cannot take payments online yet.', { hint: 'Please try again later or contact the hospital directly.' });
  }
}

/** The provider refused or could not be reached after its retries. Never carries the provider's own message. */
export class PaymentProviderFailed extends DomainError {
  readonly code = 'payment_provider_failed';
  readonly status = 502;
  constructor(cause?: unknown) {
    super('The payment service did not answer as expected.', { hint: 'Nothing was charged twice. Please try again in a moment.', cause });
  }
}

export class RefundNotPossible extends DomainError {
  readonly code = 'refund_not_possible';
  readonly status = 409;
  constructor(why: string) {
    super(`This refund cannot be made: ${why}.`, { fields: { amount: why } });
  }
}

/** A webhook whose signature is missing, wrong or too old. Answered 400 so the sender sees it. */
export class WebhookSignatureInvalid extends DomainError {
  readonly code = 'webhook_signature_invalid';
  readonly status = 400;
  constructor() {
    super('The webhook signature could not be verified.');
  }
}
