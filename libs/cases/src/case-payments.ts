import { EntityManager } from 'typeorm';

/**
 * What the pipeline asks of billing, inside the same transaction as the move: capture on acceptance, release the
 * authorization on decline or cancellation. Billing implements it (it depends on cases, not the other way round);
 * the app binds it. A move that needs money fails, and rolls back, when the money step fails.
 */
export abstract class CasePayments {
  abstract capture(tx: EntityManager, caseId: string): Promise<unknown>;
  abstract release(tx: EntityManager, caseId: string, reason: 'declined' | 'cancelled'): Promise<unknown>;
}
