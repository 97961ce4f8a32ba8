import { z } from 'zod';

/**
 * Every email the platform sends, and the only data each may carry. This is where "no PHI in email" is enforced:
 * no field is free text. A message says that something happened and links to the portal; the link is built here
 * from an id or an opaque token, never from a caller's string, so not even a URL can name a condition or a
 * specialty. Unknown fields are refused.
 */
const caseId = z.uuid({ error: 'must be the case id (a UUID)' });
/** Sign-in, reset and invitation tokens are random bytes, base64url-encoded by identity. */
const token = z.string().regex(/^[A-Za-z0-9_-]{32,256}$/, 'must be an opaque token (32-256 base64url characters)');
const expiresInMinutes = z.number().int().min(1).max(7 * 24 * 60);
/** Who reads the message: the patient in their portal, or staff in the console. */
const audience = z.enum(['patient', 'staff']).default('patient');

export const STAFF_ROLES = ['admin', 'coordinator', 'physician'] as const;

interface MessageSpec<S extends z.ZodObject> {
  data: S;
  /** The portal path the message links to. */
  link: (data: z.output<S>) => string;
}

const spec = <S extends z.ZodObject>(data: S, link: (data: z.output<S>) => string): MessageSpec<S> => ({ data: data.strict() as unknown as S, link });
const token64 = (value: string) => encodeURIComponent(value);
const casePath = (data: { caseId: string; audience: 'patient' | 'staff' }, suffix = '') =>
  `${data.audience === 'staff' ? '/console' : '/account'}/cases/${data.caseId}${suffix}`;

export const EMAIL_MESSAGES = {
  'verify-email': spec(z.object({ token, expiresInMinutes }), (d) => `/auth/verify-email?token=${token64(d.token)}`),
  'sign-in-link': spec(z.object({ token, expiresInMinutes }), (d) => `/auth/sign-in/link?token=${token64(d.token)}`),
  'password-reset': spec(z.object({ token, expiresInMinutes }), (d) => `/auth/reset-password?token=${token64(d.token)}`),
  'staff-invitation': spec(
    z.object({ token, role: z.enum(STAFF_ROLES), expiresInDays: z.number().int().min(1).max(60) }),
    (d) => `/console/invitations/accept?token=${token64(d.token)}`,
  ),
  'new-message': spec(z.object({ caseId, audience }), (d) => casePath(d, '/messages')),
  'opinion-ready': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' }, '/opinion')),
  'records-requested': spec(z.object({ caseId }), (d) => casePath({ ...d, audience: 'patient' }, '/records')),
  'case-status-changed': spec(z.object({ caseId, audience }), (d) => casePath(d)),
  /** Sent by an operator (npm run cli -- email test) to check a hospital's sender and branding. */
  'test-message': spec(z.object({}), () => '/'),
} as const;

export type EmailTemplate = keyof typeof EMAIL_MESSAGES;
export type EmailData<T extends EmailTemplate> = z.input<(typeof EMAIL_MESSAGES)[T]['data']>;
export const EMAIL_TEMPLATES = Object.keys(EMAIL_MESSAGES) as EmailTemplate[];
export const EMAIL_LOCALES = ['en', 'es'] as const;
export type EmailLocale = (typeof EMAIL_LOCALES)[number];

/** A caller passed data the message does not accept. Names the fields, never their values (they may be PHI). */
export class InvalidEmailData extends Error {
  override name = 'InvalidEmailData';
  constructor(
    readonly template: string,
    readonly fields: string[],
  ) {
    super(`Email "${template}" does not accept this data (fields: ${fields.join(', ') || '(none)'}). Emails carry only ids, tokens and numbers.`);
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
