/** What a payment can be. Derived from its facts (below), never set directly. */
export const PAYMENT_STATUSES = [
  'pending',
  'authorized',
  'captured',
  'released',
  'refunded',
  'partially_refunded',
  'failed',
  'disputed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * What the provider has told us about a payment. Every field only grows (amounts) or is set once (times), so
 * applying the same events in any order, any number of times, gives the same facts: that is what makes webhooks
 * safe when they arrive twice or out of order. The status is a function of these facts.
 */
export interface PaymentFacts {
  authorizedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  authorizedAt: Date | null;
  capturedAt: Date | null;
  releasedAt: Date | null;
  failedAt: Date | null;
  disputedAt: Date | null;
}

/** One thing the provider reported. `at` is the provider's time for it, so replays set the same timestamps. */
export type PaymentFact =
  | { kind: 'authorized'; amountMinor: number; at: Date }
  | { kind: 'captured'; amountMinor: number; at: Date }
  | { kind: 'released'; at: Date }
  | { kind: 'failed'; code: string; at: Date }
  | { kind: 'refunded'; totalRefundedMinor: number; at: Date }
  | { kind: 'disputed'; at: Date };

const earliest = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);

/** Folds one fact into the facts. A capture implies the authorization; a refund implies the capture. */
export function applyFact(facts: PaymentFacts, fact: PaymentFact): PaymentFacts {
  const next = { ...facts };
  switch (fact.kind) {
    case 'refunded':
      next.refundedMinor = Math.max(next.refundedMinor, fact.totalRefundedMinor);
      next.capturedMinor = Math.max(next.capturedMinor, next.refundedMinor);
      if (next.capturedMinor > 0) next.capturedAt = earliest(next.capturedAt, fact.at);
      break;
    case 'captured':
      next.capturedMinor = Math.max(next.capturedMinor, fact.amountMinor);
      next.capturedAt = earliest(next.capturedAt, fact.at);
      break;
    case 'authorized':
      next.authorizedMinor = Math.max(next.authorizedMinor, fact.amountMinor);
      next.authorizedAt = earliest(next.authorizedAt, fact.at);
      break;
    case 'released':
      next.releasedAt = earliest(next.releasedAt, fact.at);
      break;
    case 'failed':
      next.failedAt = earliest(next.failedAt, fact.at);
      break;
    case 'disputed':
      next.disputedAt = earliest(next.disputedAt, fact.at);
      break;
  }
  if (next.capturedAt) {
    next.authorizedMinor = Math.max(next.authorizedMinor, next.capturedMinor);
    next.authorizedAt = earliest(next.authorizedAt, next.capturedAt);
  }
  return next;
}

/**
 * The status the facts add up to, most advanced first. A capture outranks a release (a captured intent cannot be
 * cancelled, so a late "canceled" for it is stale); an authorization outranks a failed attempt (the patient may
 * retry a declined card on the same checkout).
 */
export function statusOf(facts: PaymentFacts): PaymentStatus {
  if (facts.disputedAt) return 'disputed';
  if (facts.capturedAt && facts.refundedMinor > 0) return facts.refundedMinor >= facts.capturedMinor ? 'refunded' : 'partially_refunded';
  if (facts.capturedAt) return 'captured';
  if (facts.releasedAt) return 'released';
  if (facts.authorizedAt) return 'authorized';
  if (facts.failedAt) return 'failed';
  return 'pending';
}

/** Statuses in which money is held or was taken. */
export const LIVE_STATUSES: readonly PaymentStatus[] = ['pending', 'authorized', 'captured', 'partially_refunded', 'refunded', 'disputed'];
