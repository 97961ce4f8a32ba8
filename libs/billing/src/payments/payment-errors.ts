import { declareErrors, msg } from '@consilium/core';

/**
 * Billing's refusals, one `code: status` each: the words are `payments.errors.<code>.message|hint` in the payments
 * catalogs, in the reader's language. Values carry a reason code, never a patient's data.
 */
export const PaymentsError = declareErrors('payments', {
  case_not_payable: 409,
  funding_exhausted: 409,
  payments_not_ready: 503,
  payment_provider_failed: 502,
  refund_not_possible: 400,
  webhook_signature_invalid: 400,
});

/** Why a case cannot be paid for now: a `select` in the catalog's message. */
export type NotPayableReason = 'sent' | 'unpriced' | 'not_accepted' | 'invalid_price' | 'paid' | 'not_authorized' | 'no_payment';

/** The case is not in a state where the patient can pay (already paid, not yet priced, cancelled). */
export class CaseNotPayable extends PaymentsError {
  constructor(reason: NotPayableReason) {
    super('case_not_payable', { values: { reason } });
  }
}

/** A funding program has too little budget left for this case. Caught by name where a checkout races for budget. */
export class FundingExhausted extends PaymentsError {
  constructor() {
    super('funding_exhausted');
  }
}

/** Stripe is configured but this hospital has not finished connecting its payment account. */
export class PaymentsNotReady extends PaymentsError {
  constructor() {
    super('payments_not_ready');
  }
}

/** The provider refused or could not be reached after its retries. Never carries the provider's own message. */
export class PaymentProviderFailed extends PaymentsError {
  constructor(cause?: unknown) {
    super('payment_provider_failed', { cause });
  }
}

/** Why a refund cannot be made, shown beside the amount. */
export type RefundRefusal = 'nothing_left' | 'not_positive' | 'too_much';

export class RefundNotPossible extends PaymentsError {
  constructor(reason: RefundRefusal) {
    super('refund_not_possible', { fields: { amount: msg(`payments.refund.${reason}`) } });
  }
}

/** A webhook whose signature is missing, wrong or too old. Answered 400 so the sender sees it. */
export class WebhookSignatureInvalid extends PaymentsError {
  constructor() {
    super('webhook_signature_invalid');
  }
}
