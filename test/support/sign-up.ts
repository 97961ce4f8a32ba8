import { TenantDatabase } from '@consilium/core';
import { INestApplicationContext } from '@nestjs/common';
import { RecordingAccountMail } from './recording-account-mail';
import { TEST_PASSWORD } from './tenants';
import { Page, WebClient } from './web-client';

export interface SignUpForm {
  name?: string;
  email: string;
  password?: string;
  next?: string;
}

/**
 * The path of the newest email-verification link sent to `email` at the tenant: from the recorded account mail when
 * the suite stands it in, else from the tenant's outbound email (read in its own transaction).
 */
export async function verificationPath(app: INestApplicationContext, tenantId: string, email: string): Promise<string | undefined> {
  const recorded = RecordingAccountMail.last(email, 'email-verification');
  if (recorded?.tenantId === tenantId) return new URL(recorded.data.url!).pathname;
  const rows: { token: string }[] = await app
    .get(TenantDatabase)
    .forTenant(tenantId, (tx) =>
      tx.query(
        `SELECT data->>'token' AS token FROM outbound_emails WHERE to_address = $1 AND template = 'email-verification' ORDER BY created_at DESC LIMIT 1`,
        [email],
      ),
    );
  return rows[0] ? `/verify-email/${rows[0].token}` : undefined;
}

/**
 * A new patient signs up as a person does: the form ("check your email"), then the link in the email, which confirms
 * the address and signs them in. Returns the link's answer (a redirect to `next`, or to /account).
 */
export async function signUpPatient(client: WebClient, app: INestApplicationContext, tenantId: string, form: SignUpForm): Promise<Page> {
  await client.get(form.next ? `/sign-up?next=${encodeURIComponent(form.next)}` : '/sign-up');
  const asked = await client.post('/sign-up', {
    name: form.name ?? 'New Patient',
    email: form.email,
    password: form.password ?? TEST_PASSWORD,
    terms: 'yes',
    ...(form.next ? { next: form.next } : {}),
  });
  if (asked.status !== 200) throw new Error(`sign-up refused: ${asked.status} ${asked.text.slice(0, 300)}`);
  const path = await verificationPath(app, tenantId, form.email);
  if (!path) throw new Error(`no confirmation email for ${form.email}`);
  await client.get(path);
  const confirmed = await client.post(path);
  if (confirmed.status !== 303) throw new Error(`confirmation refused: ${confirmed.status}`);
  return confirmed;
}
