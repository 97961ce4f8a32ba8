import { OperatorAccounts } from '@consilium/identity';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { freshCode } from './staff-sign-in';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from './tenants';
import { WebClient } from './web-client';

export const OPERATOR_HOST = 'admin.localhost';

/** A new operator account, signed in (password, then TOTP) on the operator host. */
export async function signInOperator(app: NestFastifyApplication): Promise<{ client: WebClient; email: string }> {
  const email = `op.${randomBytes(4).toString('hex')}@consilium.example`;
  await app.get(OperatorAccounts).upsert({ email, name: 'Test operator', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
  const client = new WebClient(app, OPERATOR_HOST);
  const first = await client.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
  if (first.status !== 303) throw new Error(`operator password step failed: ${first.status}`);
  const second = await client.submit('/operator/mfa', { code: await freshCode(email, undefined, app) });
  if (second.status !== 303) throw new Error(`operator second factor failed: ${second.status}`);
  return { client, email };
}

/**
 * Posts a page's multipart form as a browser would (fields, then one file): to the action the page's form names,
 * which carries its CSRF token (`?_csrf=`).
 */
export async function postMultipart(
  app: NestFastifyApplication,
  client: WebClient,
  formPath: string,
  action: string,
  fields: Record<string, string | string[]>,
  file?: { field: string; name: string; bytes: Buffer; type: string },
): Promise<{ status: number; text: string; location?: string }> {
  const page = await client.get(formPath);
  const target = new RegExp(
    `<form method="post" action="(${action.replace(/[/.]/g, '\\$&')}\\?_csrf=[^"]+)" enctype="multipart/form-data"`,
  ).exec(page.text)?.[1];
  if (!target) throw new Error(`no multipart form posting to ${action} on ${formPath}`);
  let req = request(app.getHttpServer()).post(target).set('Host', client.host).set('Cookie', client.cookieHeader());
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) req = req.field(k, item);
  if (file) req = req.attach(file.field, file.bytes, { filename: file.name, contentType: file.type });
  const res = await req;
  return { status: res.status, text: res.text ?? '', location: res.headers.location };
}
