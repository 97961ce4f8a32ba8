import type { ContextActor } from '@consilium/core';

export const STAFF_ROLES = ['admin', 'coordinator', 'physician', 'translator', 'medical_director'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * The one policy table: which kind of actor, or which staff role, may perform which action. Routes declare an action
 * with `@Can(...)`; nothing else decides access. Actions are named for what they touch, not for pages.
 */
export const POLICY: Record<string, readonly string[]> = {
  operator: ['operator.console', 'tenants.manage', 'outbox.read', 'jobs.read', 'billing.operator'],
  admin: [
    'console.access',
    'account.self',
    'staff.manage',
    'audit.read',
    'apikeys.manage',
    'webhooks.manage',
    'opinions.read',
    'sso.manage',
    'catalog.edit',
    'site.edit',
    'analytics.read',
    'analytics.operational',
    'cases.triage',
    'cases.read',
    'conversions.record',
    'billing.read',
    'payments.refund',
    'records.read',
    'records.upload',
    'funding.manage',
    'funding.review',
    'roster.edit',
    'stipends.manage',
    'opinions.configure',
  ],
  coordinator: [
    'console.access',
    'account.self',
    'cases.triage',
    'cases.read',
    'analytics.operational',
    'conversions.record',
    'records.read',
    'records.upload',
    'funding.review',
  ],
  // opinions.check: a hospital whose quality check is a second physician's lets any other physician approve.
  physician: ['console.access', 'account.self', 'cases.review', 'cases.read', 'records.read', 'opinions.check'],
  // A translator sees the signed opinions waiting for translation (and nothing else of the case): no records.
  translator: ['console.access', 'account.self', 'opinions.translate'],
  // The medical director checks signed opinions before release (when the hospital asks for it): the opinion, the
  // case it answers and its records, read from the check's page.
  medical_director: ['console.access', 'account.self', 'opinions.check'],
  // Which case's records is RecordAccess's question (the host binds it); these only say the kind of actor may ask.
  patient: ['portal.access', 'account.self', 'records.read', 'records.upload', 'intake.start'],
  local_physician: ['portal.access', 'account.self', 'records.read'],
  api_key: [],
  // The hospital's directory (a SCIM token): it creates, deactivates and deletes staff accounts, nothing else.
  directory: ['scim.provision'],
};

/** Every action some actor can perform; the route inventory test checks routes name only these. */
export const ALL_ACTIONS = new Set(Object.values(POLICY).flat());

export function actionsOf(actor: ContextActor): Set<string> {
  if (actor.kind === 'api_key') return new Set(actor.scopes ?? []);
  if (actor.kind === 'staff') return new Set(actor.roles.flatMap((role) => POLICY[role] ?? []));
  return new Set(POLICY[actor.kind] ?? []);
}

export function may(actor: ContextActor | undefined, action: string): boolean {
  return !!actor && actionsOf(actor).has(action);
}

/**
 * Scopes an integration's API key may be given: a subset of what an admin may do. `cases.read`: cases, their
 * timelines, consents and records requests; `opinions.read`: delivered opinions, their letters and FHIR documents;
 * `cases.triage`: a records request's status; `conversions.record`: visits and procedures; `analytics.read`: exports.
 */
export const API_KEY_SCOPES = ['cases.read', 'opinions.read', 'cases.triage', 'conversions.record', 'analytics.read'] as const;
export type ApiScope = (typeof API_KEY_SCOPES)[number];
