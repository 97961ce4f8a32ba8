import { CaseMove, CaseState, MoveActor, MOVES_BY_NAME, Requirement } from './case-state';
import { CasesError } from './cases-error';

/** Why a move was refused: the first requirement not met, or that the move, the state or the actor is wrong. */
export type MoveRefusal = Requirement | 'no_such_move' | 'wrong_state' | 'wrong_actor';

/** A move the table does not allow now; its words (`cases.errors.case_move_not_allowed`) name the state, move and why. */
export class MoveNotAllowed extends CasesError {
  constructor(
    readonly state: CaseState,
    readonly move: string,
    readonly why: MoveRefusal,
  ) {
    super('case_move_not_allowed', { values: { state, move, why } });
  }
}

/** What the state machine needs to know of a case to judge a move. Facts only, no clinical content. */
export interface CaseFacts {
  state: CaseState;
  consentsGiven: boolean;
  quoteAccepted: boolean;
  paymentAuthorized: boolean;
  /** The licensure route allows some kind of opinion (not declined). */
  routeAllowsOpinion: boolean;
  /** The route needs a local physician and none is named. */
  localPhysicianMissing: boolean;
  physicianAssigned: boolean;
  opinionSigned: boolean;
  followUpsRemaining: number;
}

function holds(requirement: Requirement, facts: CaseFacts, reason: string | undefined): boolean {
  switch (requirement) {
    case 'consents_given':
      return facts.consentsGiven;
    case 'quote_accepted':
      return facts.quoteAccepted;
    case 'payment_authorized':
      return facts.paymentAuthorized;
    case 'route_allows_opinion':
      return facts.routeAllowsOpinion;
    case 'local_physician_named':
      return !facts.localPhysicianMissing;
    case 'reason_given':
      return !!reason && reason.trim().length > 0;
    case 'physician_assigned':
      return facts.physicianAssigned;
    case 'opinion_signed':
      return facts.opinionSigned;
    case 'follow_up_available':
      return facts.followUpsRemaining > 0;
  }
}

/**
 * Judges a move against the table: known, allowed from this state, by this actor, with every requirement met.
 * Pure: the caller applies the result and writes the event in the same transaction.
 */
export function planMove(facts: CaseFacts, moveName: string, actor: MoveActor, reason?: string): CaseMove {
  const move = MOVES_BY_NAME.get(moveName);
  if (!move) throw new MoveNotAllowed(facts.state, moveName, 'no_such_move');
  if (!move.from.includes(facts.state)) throw new MoveNotAllowed(facts.state, moveName, 'wrong_state');
  if (!move.by.includes(actor)) throw new MoveNotAllowed(facts.state, moveName, 'wrong_actor');
  const unmet = move.requires.find((r) => !holds(r, facts, reason));
  if (unmet) throw new MoveNotAllowed(facts.state, moveName, unmet);
  return move;
}
