import { DomainError } from '@consilium/core';
import { CaseMove, CaseState, MoveActor, MOVES_BY_NAME, Requirement } from './case-state';

export class MoveNotAllowed extends DomainError {
  readonly code = 'case_move_not_allowed';
  readonly status = 409;
  constructor(state: CaseState, move: string, why: string) {
    super(`A case that is ${state.replace(/_/g, ' ')} cannot be moved by "${move.replace(/_/g, ' ')}": ${why}.`, {
      hint: 'Reload the case to see its current state.',
    });
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

const REQUIREMENT_TEXT: Record<Requirement, string> = {
  consents_given: 'the consents have not all been given',
  quote_accepted: 'the price has not been accepted',
  payment_authorized: 'the payment has not been authorized',
  route_allows_opinion: 'the patient’s location does not allow an opinion under this hospital’s policy',
  local_physician_named: 'a local physician must be named for this route',
  reason_given: 'a reason is required',
  physician_assigned: 'no physician is assigned',
  opinion_signed: 'the opinion has not been signed',
  follow_up_available: 'no follow-up questions remain',
};

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
  if (!move) throw new MoveNotAllowed(facts.state, moveName, 'there is no such move');
  if (!move.from.includes(facts.state)) {
    throw new MoveNotAllowed(facts.state, moveName, `it is only possible from ${move.from.map((s) => s.replace(/_/g, ' ')).join(', ')}`);
  }
  if (!move.by.includes(actor)) throw new MoveNotAllowed(facts.state, moveName, `a ${actor} may not make it`);
  const unmet = move.requires.filter((r) => !holds(r, facts, reason));
  if (unmet.length) throw new MoveNotAllowed(facts.state, moveName, unmet.map((r) => REQUIREMENT_TEXT[r]).join('; '));
  return move;
}
