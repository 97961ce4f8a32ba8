/** The pipeline of DESIGN.md. Every change of state goes through `CASE_MOVES`; nothing writes `cases.state` directly. */
export const CASE_STATES = [
  'draft',
  'submitted',
  'triage',
  'awaiting_records',
  'accepted',
  'assigned',
  'in_review',
  'opinion_signed',
  'delivered',
  'follow_up',
  'closed',
  'declined',
  'cancelled',
  'refunded',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** Who may make a move. `system` is the platform itself (jobs, payment webhooks). */
export type MoveActor = 'patient' | 'coordinator' | 'admin' | 'physician' | 'system';

/** What a move needs to be true of the case, checked before it happens. */
export type Requirement =
  | 'consents_given'
  | 'quote_accepted'
  | 'payment_authorized'
  | 'route_allows_opinion'
  | 'local_physician_named'
  | 'reason_given'
  | 'physician_assigned'
  | 'opinion_signed'
  | 'follow_up_available';

export interface CaseMove {
  name: string;
  from: readonly CaseState[];
  to: CaseState;
  by: readonly MoveActor[];
  requires: readonly Requirement[];
}

/**
 * The one table of allowed moves: from which states, to which, by whom, requiring what. The state machine refuses
 * anything else with an error naming the state and the move.
 */
export const CASE_MOVES: readonly CaseMove[] = [
  // 'system': with a card, the case is submitted when the provider reports the authorization (a webhook), after
  // the patient has left the hospital's site; a fully funded case is submitted the moment it is authorized.
  {
    name: 'submit',
    from: ['draft'],
    to: 'submitted',
    by: ['patient', 'system'],
    requires: ['consents_given', 'quote_accepted', 'payment_authorized', 'route_allows_opinion', 'local_physician_named'],
  },
  {
    name: 'start_triage',
    from: ['submitted'],
    to: 'triage',
    by: ['coordinator', 'admin', 'system'],
    requires: [],
  },
  {
    name: 'request_records',
    from: ['triage'],
    to: 'awaiting_records',
    by: ['coordinator', 'admin'],
    requires: ['reason_given'],
  },
  {
    name: 'records_received',
    from: ['awaiting_records'],
    to: 'triage',
    by: ['patient', 'coordinator', 'admin'],
    requires: [],
  },
  // 'system': the coordinator accepted while the card needed the patient; their confirmation completes it.
  {
    name: 'accept',
    from: ['triage'],
    to: 'accepted',
    by: ['coordinator', 'admin', 'system'],
    requires: ['route_allows_opinion'],
  },
  {
    name: 'decline',
    from: ['submitted', 'triage', 'awaiting_records'],
    to: 'declined',
    by: ['coordinator', 'admin'],
    requires: ['reason_given'],
  },
  {
    name: 'assign',
    from: ['accepted'],
    to: 'assigned',
    by: ['coordinator', 'admin', 'system'],
    requires: ['physician_assigned'],
  },
  {
    name: 'unassign',
    from: ['assigned', 'in_review'],
    to: 'accepted',
    by: ['coordinator', 'admin', 'physician', 'system'],
    requires: ['reason_given'],
  },
  {
    name: 'begin_review',
    from: ['assigned'],
    to: 'in_review',
    by: ['physician'],
    requires: ['physician_assigned'],
  },
  {
    name: 'sign_opinion',
    from: ['in_review'],
    to: 'opinion_signed',
    by: ['physician'],
    requires: ['opinion_signed'],
  },
  { name: 'deliver', from: ['opinion_signed'], to: 'delivered', by: ['system'], requires: [] },
  {
    name: 'ask_follow_up',
    from: ['delivered'],
    to: 'follow_up',
    by: ['patient'],
    requires: ['follow_up_available'],
  },
  { name: 'answer_follow_up', from: ['follow_up'], to: 'delivered', by: ['physician'], requires: [] },
  {
    name: 'close',
    from: ['delivered', 'follow_up'],
    to: 'closed',
    by: ['coordinator', 'admin', 'system'],
    requires: [],
  },
  {
    name: 'cancel',
    from: ['draft', 'submitted', 'triage', 'awaiting_records'],
    to: 'cancelled',
    by: ['patient', 'coordinator', 'admin'],
    requires: [],
  },
  // 'system': a full refund made in the provider's dashboard reaches us as a webhook, with no person behind it.
  {
    name: 'refund',
    from: ['accepted', 'assigned', 'in_review', 'delivered', 'follow_up', 'closed'],
    to: 'refunded',
    by: ['admin', 'system'],
    requires: ['reason_given'],
  },
];

export const MOVES_BY_NAME = new Map(CASE_MOVES.map((m) => [m.name, m]));

/** States in which the patient has committed nothing yet, and may still walk away for free. */
export const BEFORE_ACCEPTANCE: readonly CaseState[] = ['draft', 'submitted', 'triage', 'awaiting_records'];
