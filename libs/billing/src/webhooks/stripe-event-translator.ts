import type Stripe from 'stripe';
import { pickMetadata } from '../providers/stripe-provider';
import { PaymentEvent } from './payment-event';

const idOf = (value: string | { id: string } | null | undefined): string | undefined => (typeof value === 'string' ? value : value?.id);

/**
 * Turns a verified Stripe event into a PaymentEvent; null for types we do not act on (they are still recorded).
 * Amounts come from the object itself (cumulative, e.g. `amount_refunded`), never by adding up events, so a
 * duplicate or a late event cannot count twice.
 */
export function translateStripeEvent(event: Stripe.Event): PaymentEvent | null {
  const base = { provider: 'stripe' as const, id: event.id, type: event.type, occurredAt: new Date(event.created * 1000) };
  const at = base.occurredAt;
  switch (event.type) {
    case 'checkout.session.completed': {
      // With manual capture the session completes before anything is captured; authorization arrives as
      // payment_intent.amount_capturable_updated. Completion links the session to its payment intent.
      const s = event.data.object;
      return { ...base, metadata: pickMetadata(s.metadata), checkoutSessionId: s.id, paymentIntentId: idOf(s.payment_intent), facts: [] };
    }
    case 'checkout.session.expired': {
      const s = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(s.metadata),
        checkoutSessionId: s.id,
        facts: [{ kind: 'failed', code: 'checkout_expired', at }],
      };
    }
    case 'payment_intent.amount_capturable_updated': {
      const pi = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(pi.metadata),
        paymentIntentId: pi.id,
        facts: pi.amount_capturable > 0 ? [{ kind: 'authorized', amountMinor: pi.amount_capturable, at }] : [],
      };
    }
    case 'payment_intent.succeeded': {
      const pi = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(pi.metadata),
        paymentIntentId: pi.id,
        facts: [{ kind: 'captured', amountMinor: pi.amount_received, at }],
      };
    }
    case 'payment_intent.canceled': {
      const pi = event.data.object;
      // Stripe cancels a hold that lapsed on its own ('automatic'): the patient still owes the opinion, and the
      // saved card renews the hold at acceptance (PaymentHolds). Only a cancellation someone asked for releases it.
      const facts: PaymentEvent['facts'] = pi.cancellation_reason === 'automatic' ? [] : [{ kind: 'released', at }];
      return { ...base, metadata: pickMetadata(pi.metadata), paymentIntentId: pi.id, facts };
    }
    case 'payment_intent.payment_failed': {
      const pi = event.data.object;
      const code = pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? 'payment_failed';
      return { ...base, metadata: pickMetadata(pi.metadata), paymentIntentId: pi.id, facts: [{ kind: 'failed', code, at }] };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(charge.metadata),
        paymentIntentId: idOf(charge.payment_intent),
        facts: [
          { kind: 'captured', amountMinor: charge.amount_captured, at },
          { kind: 'refunded', totalRefundedMinor: charge.amount_refunded, at },
        ],
      };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(dispute.metadata),
        paymentIntentId: idOf(dispute.payment_intent),
        facts: [{ kind: 'disputed', at }],
        dispute: { id: dispute.id, amountMinor: dispute.amount, reason: dispute.reason },
      };
    }
    case 'account.updated': {
      const account = event.data.object;
      return {
        ...base,
        metadata: pickMetadata(account.metadata),
        facts: [],
        account: {
          accountId: account.id,
          chargesEnabled: !!account.charges_enabled,
          payoutsEnabled: !!account.payouts_enabled,
          detailsSubmitted: !!account.details_submitted,
        },
      };
    }
    default:
      return null;
  }
}
