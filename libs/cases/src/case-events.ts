import type { ActorKind } from '@consilium/core';
import { CASE_MOVES } from './case-state';
import { CONVERSION_KINDS } from './conversions.service';

/**
 * Every type of event a case records, as staff read them on the case's history (`cases.events.<type>`): the moves
 * of the state machine and the facts noted beside them by the pipeline, intake, records, billing and opinions. A
 * type missing here is shown as its code, so a new event is readable (if not translated) the day it appears.
 */
export const CASE_EVENT_TYPES: readonly string[] = [
  ...CASE_MOVES.map((m) => m.name),
  'draft_started',
  'route_changed',
  'consents_given',
  'quote_accepted',
  'message',
  'records_uploaded',
  'records_asked',
  'record_request',
  'record_request_status',
  'route_overridden',
  'capacity_overridden',
  'local_physician_invited',
  'local_physician_not_invited',
  'follower_invited',
  'follower_joined',
  'requester_removed',
  'contributor_added',
  'contribution_noted',
  'check_in_answered',
  'opinion_ready',
  'opinion_amended',
  'promise_paused',
  'promise_resumed',
  'promise_late',
  'patient_notified',
  'extra_paid',
  'payment_refunded',
  'payment_refunded_in_full',
  'payment_disputed',
  'payment_released',
  'payment_funding_exhausted',
  'payment_funding_shortfall',
  'payment_authorized_case_not_ready',
  'payment_hold_renewed',
  'payment_confirmation_requested',
  'payment_confirmed',
  ...CONVERSION_KINDS.map((k) => `conversion_${k}`),
  'referral_requested',
  'referral_state',
];

/** Who acted: an account's kind, or the platform itself (jobs, webhooks). Words at `cases.actorKind.<kind>`. */
const ACTOR_KINDS: Record<ActorKind | 'system', true> = {
  staff: true,
  patient: true,
  local_physician: true,
  operator: true,
  api_key: true,
  directory: true,
  system: true,
};
export const EVENT_ACTOR_KINDS: readonly string[] = Object.keys(ACTOR_KINDS);

/** The catalog keys of an event's type and actor, or null for a code this list does not know yet. */
export function eventWords(e: { type: string; actorKind: string }): { eventKey: string | null; actorKey: string | null } {
  return {
    eventKey: CASE_EVENT_TYPES.includes(e.type) ? `cases.events.${e.type}` : null,
    actorKey: EVENT_ACTOR_KINDS.includes(e.actorKind) ? `cases.actorKind.${e.actorKind}` : null,
  };
}

/** Billing's events about a card hold: the last of them says whether an acceptance waits for the patient. */
export const HOLD_EVENTS: readonly string[] = ['payment_confirmation_requested', 'payment_confirmed', 'payment_hold_renewed'];

/**
 * When the coordinator's acceptance is waiting for the patient to confirm payment (their saved card was refused
 * when its hold was renewed): the time they were asked, or null. The last of billing's hold events decides.
 */
export function waitingForPayment(timeline: { type: string; at: Date }[]): Date | null {
  const last = timeline.filter((e) => HOLD_EVENTS.includes(e.type)).at(-1);
  return last?.type === 'payment_confirmation_requested' ? last.at : null;
}
