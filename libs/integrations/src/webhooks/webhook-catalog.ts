import type { RecordedCaseEvent } from '@consilium/cases';
import type { PathItemObject, SchemaObject } from '@nestjs/swagger';

/**
 * The events a hospital can subscribe an endpoint to, each from the case event that means it. Payloads carry ids
 * and non-clinical facts only (no names, no diagnoses, no free text): what happened to which case; the API gives the
 * rest to whoever may read it.
 */
export interface WebhookEventDefinition {
  /** Which recorded case event is this webhook event. */
  matches(event: RecordedCaseEvent): boolean;
  /** Facts of the case event worth passing on (ids, counts, states); never text a person wrote. */
  facts(event: RecordedCaseEvent): Record<string, unknown>;
  description: string;
  /** The facts' schema, for the OpenAPI document. */
  factsSchema: Record<string, { type: string; format?: string; enum?: readonly string[]; description?: string }>;
}

const none = () => ({});
const isType = (name: string) => (e: RecordedCaseEvent) => e.type === name;

export const WEBHOOK_EVENTS = {
  'case.submitted': {
    matches: isType('submit'),
    facts: none,
    description: 'A patient sent a request: paid (card authorized) or covered by a funding program.',
    factsSchema: {},
  },
  'case.accepted': {
    matches: isType('accept'),
    facts: none,
    description: 'A coordinator accepted the case (the card is charged).',
    factsSchema: {},
  },
  'case.declined': {
    matches: isType('decline'),
    facts: none,
    description: 'A coordinator declined the case (nothing is charged).',
    factsSchema: {},
  },
  'case.cancelled': {
    matches: isType('cancel'),
    facts: none,
    description: 'The request was cancelled before acceptance.',
    factsSchema: {},
  },
  'case.assigned': { matches: isType('assign'), facts: none, description: 'A physician was assigned to review the case.', factsSchema: {} },
  'case.closed': { matches: isType('close'), facts: none, description: 'The case was closed after delivery.', factsSchema: {} },
  'opinion.delivered': {
    matches: isType('deliver'),
    facts: (e) => pick(e.data, ['opinionId']),
    description: 'The signed opinion was delivered to the patient (and their physician, on that route).',
    factsSchema: { opinionId: { type: 'string', format: 'uuid' } },
  },
  'opinion.amended': {
    matches: (e) => e.type === 'opinion_ready' && Number(e.data.version) > 1,
    facts: (e) => pick(e.data, ['opinionId', 'version']),
    description: 'An amended version of a delivered opinion was signed and delivered.',
    factsSchema: { opinionId: { type: 'string', format: 'uuid' }, version: { type: 'integer' } },
  },
  'conversion.recorded': {
    matches: (e) => e.type.startsWith('conversion_'),
    facts: (e) => ({ kind: e.type.slice('conversion_'.length) }),
    description: 'A visit or procedure that followed the opinion was recorded (by staff, an import or the API).',
    factsSchema: { kind: { type: 'string', enum: ['consult_booked', 'procedure_scheduled', 'procedure_done'] } },
  },
  'referral.requested': {
    matches: isType('referral_requested'),
    facts: (e) => pick(e.data, ['referralId', 'reason']),
    description:
      'After reading the opinion, the patient asked for an appointment (a reason and preferred times, no free text): a task for the scheduling team. Read it as a FHIR ServiceRequest at /api/v1/fhir/ServiceRequest/referral-<referralId>.',
    factsSchema: {
      referralId: { type: 'string', format: 'uuid' },
      reason: { type: 'string', enum: ['discuss_opinion', 'treatment', 'procedure', 'follow_up'] },
    },
  },
  'referral.updated': {
    matches: isType('referral_state'),
    facts: (e) => pick(e.data, ['referralId', 'state']),
    description: "An appointment request's state changed (booking records its visit or procedure: see conversion.recorded).",
    factsSchema: {
      referralId: { type: 'string', format: 'uuid' },
      state: { type: 'string', enum: ['requested', 'contacted', 'booked', 'declined', 'no_answer'] },
    },
  },
  'checkin.answered': {
    matches: isType('check_in_answered'),
    facts: (e) => pick(e.data, ['day']),
    description: 'The patient answered the 30- or 90-day check-in.',
    factsSchema: { day: { type: 'integer', description: '30 or 90.' } },
  },
  'record_request.created': {
    matches: isType('record_request'),
    facts: (e) => pick(e.data, ['recordRequestId']),
    description: 'The patient signed an authorization for the hospital to collect records from another provider.',
    factsSchema: { recordRequestId: { type: 'string', format: 'uuid' } },
  },
  'record_request.updated': {
    matches: isType('record_request_status'),
    facts: (e) => pick(e.data, ['recordRequestId', 'status']),
    description: "A records request's status changed.",
    factsSchema: { recordRequestId: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['sent', 'received', 'closed'] } },
  },
} satisfies Record<string, WebhookEventDefinition>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

/** The webhook event a case event is, if any. */
export function webhookEventFor(event: RecordedCaseEvent): WebhookEventType | undefined {
  return WEBHOOK_EVENT_TYPES.find((type) => (WEBHOOK_EVENTS[type] as WebhookEventDefinition).matches(event));
}

function pick(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => data[k] !== undefined).map((k) => [k, data[k]]));
}

/** What every delivery's `data` holds besides the event's own facts. */
const CASE_FACTS = {
  caseId: { type: 'string', format: 'uuid', description: 'Read it with GET /api/v1/cases/{id}.' },
};

/**
 * The OpenAPI 3.1 `webhooks` of the document: one per event type, with its payload's schema, so a hospital's team
 * reads the outbound side where it reads the API.
 */
export function webhookDocumentation(): { webhooks: Record<string, PathItemObject>; schemas: Record<string, SchemaObject> } {
  const schemas: Record<string, SchemaObject> = {};
  const webhooks: Record<string, PathItemObject> = {};
  for (const type of WEBHOOK_EVENT_TYPES) {
    const definition = WEBHOOK_EVENTS[type] as WebhookEventDefinition;
    const name = `WebhookEvent_${type.replace('.', '_')}`;
    schemas[name] = {
      type: 'object',
      required: ['type', 'timestamp', 'data'],
      properties: {
        type: { type: 'string', const: type },
        timestamp: { type: 'string', format: 'date-time', description: 'When the event happened.' },
        data: {
          type: 'object',
          required: ['caseId'],
          properties: { ...CASE_FACTS, ...definition.factsSchema },
        },
      },
    };
    webhooks[type] = {
      post: {
        summary: definition.description,
        description:
          'Signed per Standard Webhooks: headers `webhook-id` (the same on every retry), `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 with the endpoint secret). Answer 2xx within 10 seconds; anything else is retried with backoff.',
        requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } },
        responses: { '200': { description: 'Received.' } },
      },
    };
  }
  return { webhooks, schemas };
}
