import { EntityManager } from 'typeorm';

/**
 * What intake and the pipeline ask of billing, inside the same transaction as the move: checkout on submission, capture on acceptance, release the
 * authorization on decline or cancellation. Billing implements it (it depends on cases, not the other way round);
 * the app binds it. A move that needs money fails, and rolls back, when the money step fails.
 */
export abstract class CasePayments {
  /** Intake's last step: the patient accepted the quote; where to send them to pay (or, nothing to pay, onwards). */
  abstract startCheckout(
    tx: EntityManager,
    caseId: string,
    funding?: { attested?: boolean; code?: string },
  ): Promise<{ redirectUrl: string }>;
  /**
   * Before an acceptance, in its own transaction: a card hold that lapsed (about seven days) is renewed from the
   * saved card; if the bank wants the patient, they are asked to confirm, and the acceptance waits for them.
   */
  abstract renewIfLapsed(caseId: string): Promise<'held' | 'awaiting_confirmation'>;
  abstract capture(tx: EntityManager, caseId: string): Promise<unknown>;
  /** What cancelling now gives back: the amount held on the card (released), and what was charged (refunded). */
  abstract cancellationTerms(caseId: string): Promise<CancellationTerms>;
  abstract release(tx: EntityManager, caseId: string, reason: 'declined' | 'cancelled'): Promise<unknown>;
}

/** Money a cancellation gives back, in minor units of `currency` (null: nothing was ever asked of the patient). */
export interface CancellationTerms {
  currency: string | null;
  releasedMinor: number;
  refundedMinor: number;
}
