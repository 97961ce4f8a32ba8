import { z } from 'zod';

/**
 * Every email the platform sends, and the only data each may carry. This is where "no PHI in email" is enforced:
 * no field is free text. A message says that something happened and links to the portal; the link is built here
 * from an id or an opaque token, never from a caller's string, so not even a URL can name a condition or a
 * specialty. Unknown fields are refused.
 */
const caseId = z.uuid({ error: 'must be the case id (a UUID)' });
/** Sign-in, reset and invitation tokens: random bytes, base64url-encoded by identity. */
const token = z.string().regex(/^[A-Za-z0-9_-]{32,256}$/, 'must be an opaque token (32-256 base64url characters)');
/** How long a link stays valid; shown as minutes, hours or days. */
const expiresInMinutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 60);
/** A moment (epoch milliseconds), shown as a date in the hospital's time zone. */
const moment = z.number().int().positive();
/** An ISO 4217 code, for an amount in minor units. */
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code');
/** Who reads the message: a patient in the portal, or staff in the console. Decides where the link leads. */
const audience = z.enum(['patient', 'staff']).default('patient');

export const STAFF_ROLES = ['admin', 'coordinator', 'physician', 'translator', 'medical_director'] as const;

interface MessageSpec<S extends z.ZodObject> {
  data: S;
  /** The portal path the message links to: the routes identity and the portal serve. */
  link: (data: z.output<S>) => string;
}

const spec = <S extends z.ZodObject>(data: S, link: (data: z.output<S>) => string): MessageSpec<S> => ({
  data: data.strict() as unknown as S,
  link,
});
const consolePrefix = (data: { audience: 'patient' | 'staff' }) => (data.audience === 'staff' ? '/console' : '');
const tokenPath = (prefix: string, value: string) => `${prefix}/${encodeURIComponent(value)}`;
const casePath = (data: { caseId: string; audience: 'patient' | 'staff' }, suffix = '') =>
  `${data.audience === 'staff' ? '/console' : '/account'}/cases/${data.caseId}${suffix}`;

/** A consult's page on its case: the patient's from their case page, the physician's from the console. */
const consultPath = (data: { caseId: string; audience: 'patient' | 'staff' }) =>
  data.audience === 'staff' ? `/console/consults/cases/${data.caseId}` : `/account/cases/${data.caseId}/consult`;

/** Names match identity's AccountMailTemplate where identity sends them. */
export const EMAIL_MESSAGES = {
  'email-verification': spec(z.object({ token, expiresInMinutes, audience }), (d) =>
    tokenPath(`${consolePrefix(d)}/verify-email`, d.token),
  ),
  'magic-link': spec(z.object({ token, expiresInMinutes }), (d) => tokenPath('/sign-in/link', d.token)),
  /** To the owner of an address someone signed up with again: they have an account; a sign-in link, and the reset page. */
  'account-exists': spec(z.object({ token, expiresInMinutes }), (d) => tokenPath('/sign-in/link', d.token)),
  'password-reset': spec(z.object({ token, expiresInMinutes, audience }), (d) => tokenPath(`${consolePrefix(d)}/reset-password`, d.token)),
  'sign-in-failures': spec(z.object({ audience }), (d) => `${consolePrefix(d)}/forgot-password`),
  'staff-invitation': spec(z.object({ token, expiresInMinutes, role: z.enum(STAFF_ROLES).optional() }), (d) =>
    tokenPath('/console/invitation', d.token),
  ),
  'new-message': spec(z.object({ caseId, audience }), (d) => casePath(d)),
  'opinion-ready': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' }, '/opinion')),
  'records-requested': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' })),
  /** To the patient: the hold on their card lapsed and the saved card needs them; a link to confirm payment. */
  'payment-confirmation': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' }, '/confirm-payment')),
  'case-status-changed': spec(z.object({ caseId, audience }), (d) => casePath(d)),
  /** To the physician: a case is assigned to them, to accept or decline in their workspace. */
  'case-assigned': spec(z.object({ caseId }), (d) => `/console/reviews/${d.caseId}`),
  /** To a physician asked to contribute a note to a case (multidisciplinary review). */
  'contribution-requested': spec(z.object({ caseId }), (d) => `/console/reviews/${d.caseId}`),
  /** To the assigned physician: a deadline (accepting the case, or delivering the opinion) is near. */
  'deadline-reminder': spec(z.object({ caseId, deadline: z.enum(['accept', 'review']) }), (d) => `/console/reviews/${d.caseId}`),
  /** To coordinators: a physician missed a deadline or declined, so the case was unassigned (and perhaps reassigned). */
  'assignment-lapsed': spec(z.object({ caseId, why: z.enum(['missed_accept', 'missed_review', 'declined']) }), (d) =>
    casePath({ ...d, audience: 'staff' }),
  ),
  /** To the patient at each milestone of their case (cases' CaseMilestones): once each, ids, dates and amounts only. */
  'request-submitted': spec(z.object({ caseId, triageBy: moment }), (d) => casePath({ ...d, audience: 'patient' })),
  'request-accepted': spec(z.object({ caseId, amount: z.number().int().min(0), currency, promisedBy: moment }), (d) =>
    casePath({ ...d, audience: 'patient' }),
  ),
  'request-declined': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' })),
  'specialist-assigned': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' })),
  'follow-up-answered': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' }, '#follow-ups')),
  /** A one-click link to the check-in's short form on the case page. */
  'check-in-due': spec(z.object({ caseId, day: z.number().int().min(1).max(365) }), (d) =>
    casePath({ ...d, audience: 'patient' }, `#check-in-section-${d.day}`),
  ),
  /** The amount refunded this time (minor units), when the refund says. */
  'refund-issued': spec(z.object({ caseId, amount: z.number().int().min(0).optional(), currency: currency.optional() }), (d) =>
    casePath({ ...d, audience: 'patient' }),
  ),
  'request-cancelled': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' })),
  /** To the patient: the promised date passed; the new date (a moment, shown in the hospital's time zone). */
  'running-late': spec(
    z.object({
      caseId,
      newDate: moment,
      // The hospital's first late-refund rule, when it has one: what lateness is refunded, automatically.
      refundAfterDays: z.number().int().min(0).max(365).optional(),
      refundPercent: z.number().int().min(1).max(100).optional(),
    }),
    (d) => casePath({ ...d, audience: 'patient' }),
  ),
  /** To coordinators and admins: a case passed the date promised to its patient. */
  'case-late': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'staff' })),
  /** To the patient's own physician when the route is physician-to-physician: a link to that one opinion. */
  'local-physician-invitation': spec(z.object({ token, expiresInMinutes }), (d) => tokenPath('/shared-opinion', d.token)),
  /** To an adult patient whose caregiver asked for them: a one-time link to follow the case with their own account. */
  'follow-invitation': spec(z.object({ token, expiresInMinutes }), (d) => tokenPath('/follow', d.token)),
  /**
   * To each party of a video consult, with a calendar invitation (.ics): booked or moved (REQUEST) or cancelled
   * (CANCEL). The consult id is the calendar UID, `sequence` its change count; times are moments.
   */
  'consult-invitation': spec(
    z.object({
      caseId,
      consultId: z.uuid(),
      startsAt: moment,
      endsAt: moment,
      sequence: z.number().int().min(0).max(10_000),
      method: z.enum(['REQUEST', 'CANCEL']),
      audience,
    }),
    (d) => consultPath(d),
  ),
  /** The day before a booked consult, to each party. */
  'consult-reminder': spec(z.object({ caseId, consultId: z.uuid(), startsAt: moment, audience }), (d) => consultPath(d)),
  /** To the hospital's admins: a webhook endpoint kept failing and was turned off (which one is in the console). */
  'webhook-endpoint-disabled': spec(z.object({}), () => '/console/webhooks'),
  /** Sent by an operator (npm run cli -- email test) to check a hospital's sender and branding. */
  'test-message': spec(z.object({}), () => '/'),
} as const;

export type EmailTemplate = keyof typeof EMAIL_MESSAGES;
export type EmailData<T extends EmailTemplate> = z.input<(typeof EMAIL_MESSAGES)[T]['data']>;
export const EMAIL_TEMPLATES = Object.keys(EMAIL_MESSAGES) as EmailTemplate[];

/** A caller passed data the message does not accept. Names the fields, never their values (they may be PHI). */
export class InvalidEmailData extends Error {
  override name = 'InvalidEmailData';
  constructor(
    readonly template: string,
    readonly fields: string[],
  ) {
    super(
      `Email "${template}" does not accept this data (fields: ${fields.join(', ') || '(none)'}). Emails carry only ids, tokens and numbers.`,
    );
  }
}

export function isEmailTemplate(name: string): name is EmailTemplate {
  return Object.prototype.hasOwnProperty.call(EMAIL_MESSAGES, name);
}

/** The typed data and the portal path for `template`; throws InvalidEmailData for anything else. */
export function checkEmailData(template: string, data: unknown): { data: Record<string, string | number>; path: string } {
  if (!isEmailTemplate(template)) throw new InvalidEmailData(template, ['template']);
  const message = EMAIL_MESSAGES[template] as MessageSpec<z.ZodObject>;
  const parsed = message.data.safeParse(data);
  if (!parsed.success) {
    const fields = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : [i.path.join('.') || '(data)']));
    throw new InvalidEmailData(template, [...new Set(fields)]);
  }
  return { data: parsed.data as Record<string, string | number>, path: message.link(parsed.data) };
}
