import { TenantDatabase, Translator } from '@consilium/core';
import { AccountMail, IdentityModule, OperatorAccounts } from '@consilium/identity';
import { JobQueue, JobRunner } from '@consilium/jobs';
import { BrandedAccountMail, Mailer, parseEml, SuppressionList } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { builtEntry } from '../support/dist';
import { emailJobs, emailRows } from '../support/emails';
import { eventually } from '../support/eventually';
import { expectNoLeaks } from '../support/leak-detector';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { waitForIdleQueues } from '../support/job-queues';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { freshCode } from '../support/staff-sign-in';
import { createTestHospital, createTestTenant, TEST_PASSWORD, TEST_TOTP_SECRET, TestHospital, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

const TOKEN = 'Zx81Qp0vLm4Tr7Yb2Nc6Wd9Ke3Hf5Gj1Sa_-UoPiAs';
const CASE = '6f1c2b1e-3d55-4a4e-9b9a-1f2e3d4c5b6a';

describe('email through the local outbox', () => {
  const outbox = tempDir('outbox');
  let app: NestFastifyApplication;
  let mailer: Mailer;
  let tenantDb: TenantDatabase;
  let db: IsolatedDatabase;
  let a: TestTenant;
  let b: TestHospital;

  beforeAll(async () => {
    // Identity's account emails go through this lib, as they do in the platform.
    db = await isolatedDatabase('email-delivery');
    app = await createTestApp(
      { ...db.env, EMAIL_OUTBOX_DIR: outbox.dir, JOBS_POLL_SECONDS: '0.5' },
      { imports: [IdentityModule], providers: [{ provide: AccountMail, useExisting: BrandedAccountMail }] },
    );
    mailer = app.get(Mailer);
    tenantDb = app.get(TenantDatabase);
    // Its mail goes to addresses the tests make up and only its brand is checked: no people needed.
    a = await createTestTenant(app, {
      locales: ['en', 'es'],
      default_locale: 'es',
      email: {
        from_name: 'Segunda Opinión A',
        from_address: `so@${randomUUID().slice(0, 8)}.a.example`,
        ses_configuration_set: `a-${randomUUID().slice(0, 8)}`,
      },
    });
    b = await createTestHospital(app);
    await app.get(JobRunner).start();
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    outbox.remove();
  });

  const send = (tenant: TestTenant, to: string, template: Parameters<Mailer['send']>[1]['template'], data: object, locale?: 'en' | 'es') =>
    tenantDb.forTenant(tenant.id, (tx) => mailer.send(tx, { tenantId: tenant.id, to, template, locale, data }));
  const outboxFile = (id: string) => path.join(outbox.dir, `${id}.eml`);

  it("delivers a message in the tenant's language and identity, then forgets its token", async () => {
    const id = await send(a, 'ana@example.org', 'password-reset', { token: TOKEN, expiresInMinutes: 30 });
    await eventually(async () => expect((await emailRows(app, a.id, [id]))[0].status).toBe('sent'), 15000);
    const [row] = await emailRows(app, a.id, [id]);
    // No locale asked: the hospital's default (Spanish here). The token is gone from the database once sent.
    expect(row).toMatchObject({ locale: 'es', transport: 'outbox', provider_message_id: id, data: null });
    const message = parseEml(readFileSync(outboxFile(id), 'utf8'));
    expect(message.headers.from).toMatch(/^Segunda Opinión A <so@.*\.a\.example>$/);
    expect(message.headers.to).toBe('ana@example.org');
    expect(message.headers.subject).toBe('Restablezca su contraseña');
    expect(message.text).toContain(`http://${a.host}:3000/reset-password/${TOKEN}`);
    expect(message.text).toContain('Este enlace vence en 30 minutos.');
    expect(message.html).toContain('<html lang="es">');
    const [job] = await emailJobs(db.owner, [id]);
    expect(job).toMatchObject({
      state: 'completed',
      output: { outcome: 'sent', messageId: id, transport: 'outbox', alreadyDelivered: false },
    });
  });

  it("sends identity's password reset in the hospital's brand, with a link identity accepts", async () => {
    const { patient } = b.people;
    const client = new WebClient(app, b.host);
    await client.submit('/forgot-password', { email: patient.email });
    const [row] = await app
      .get(TenantDatabase)
      .forTenant(b.id, (tx) =>
        tx.query(`SELECT id FROM outbound_emails WHERE to_address = $1 AND template = 'password-reset'`, [patient.email]),
      );
    await eventually(() => expect(existsSync(outboxFile(row.id))).toBe(true), 10000);
    const message = parseEml(readFileSync(outboxFile(row.id), 'utf8'));
    expect(message.headers.subject).toBe('Reset your password');
    expect(message.html).toContain(b.name);
    const link = /(http:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+)/.exec(message.text!)![1];
    const reset = await client.submit(new URL(link).pathname, { password: 'a brand new passphrase' });
    expect(reset.location).toBe('/sign-in?reset=1');
  });

  it("refuses an account email whose link is not one of identity's routes", async () => {
    await expect(
      tenantDb.forTenant(a.id, (tx) =>
        app.get(BrandedAccountMail).send(tx, a.id, {
          to: 'x@example.org',
          template: 'password-reset',
          locale: 'en',
          data: { url: `https://${a.host}/reset-password/${TOKEN}?next=/oncology`, expiresInMinutes: 30 },
        }),
      ),
    ).rejects.toThrow(/does not accept this data \(fields: url\)/);
  });

  it('sends nothing when the transaction that asked for the email rolls back', async () => {
    let id = '';
    await expect(
      tenantDb.forTenant(a.id, async (tx) => {
        id = await mailer.send(tx, { tenantId: a.id, to: 'bo@example.org', template: 'new-message', data: { caseId: CASE } });
        throw new Error('the message the email announces failed to save');
      }),
    ).rejects.toThrow('failed to save');
    // Had a job survived the rollback, the running worker would have sent it by the time the queues are idle.
    await waitForIdleQueues(app);
    expect(await emailRows(app, a.id, [id])).toEqual([]);
    expect(await emailJobs(db.owner, [id])).toEqual([]);
    expect(existsSync(outboxFile(id))).toBe(false);
  });

  it("keeps each tenant's messages to itself, and refuses to record one for another tenant", async () => {
    const id = await send(a, 'cy@example.org', 'opinion-ready', { caseId: CASE }, 'en');
    expect(await emailRows(app, a.id, [id])).toHaveLength(1);
    expect(await emailRows(app, b.id, [id])).toEqual([]);
    await expect(
      tenantDb.forTenant(b.id, (tx) =>
        mailer.send(tx, { tenantId: a.id, to: 'cy@example.org', template: 'opinion-ready', data: { caseId: CASE } }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('does not send to an address suppressed for that tenant, recording why; the other tenant still can', async () => {
    const address = `bounced-${randomUUID().slice(0, 8)}@example.org`;
    await app.get(SuppressionList).add(a.id, [{ address, reason: 'bounce', detail: 'General' }]);
    const fromA = await send(a, address.toUpperCase(), 'new-message', { caseId: CASE });
    const fromB = await send(b, address, 'new-message', { caseId: CASE });
    await eventually(async () => expect((await emailRows(app, a.id, [fromA]))[0].status).toBe('suppressed'), 15000);
    await eventually(async () => expect((await emailRows(app, b.id, [fromB]))[0].status).toBe('sent'), 15000);
    expect((await emailRows(app, a.id, [fromA]))[0]).toMatchObject({
      data: null,
      status_reason: expect.stringMatching(/suppressed for this hospital after a bounce/),
    });
    expect(existsSync(outboxFile(fromA))).toBe(false);
    expect(existsSync(outboxFile(fromB))).toBe(true);
    const [job] = await emailJobs(db.owner, [fromA]);
    expect(job).toMatchObject({ state: 'completed', output: { outcome: 'suppressed', reason: 'bounce' } });
  });

  it('uses a placeholder sender for a tenant with no email: block (the outbox needs no verified identity)', async () => {
    const id = await send(b, 'di@example.org', 'test-message', {});
    await eventually(() => expect(existsSync(outboxFile(id))).toBe(true), 15000);
    const message = parseEml(readFileSync(outboxFile(id), 'utf8'));
    expect(message.headers.from).toBe(`"${b.name}" <no-reply@${b.host}>`);
  });

  describe('reading the outbox and the jobs', () => {
    let operator: WebClient;

    beforeAll(async () => {
      const email = `outbox.${randomUUID().slice(0, 8)}@consilium.example`;
      await app.get(OperatorAccounts).upsert({ email, name: 'Outbox reader', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
      operator = new WebClient(app, 'admin.localhost');
      await operator.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
      expect((await operator.submit('/operator/mfa', { code: await freshCode(email, undefined, app) })).location).toBe('/operator');
    });

    it('is for signed-in operators only', async () => {
      const anonymous = await request(app.getHttpServer()).get('/operator/outbox').set('Host', 'admin.localhost');
      expect(anonymous.status).toBe(303);
      expect(anonymous.headers.location).toContain('/operator/sign-in');
      await request(app.getHttpServer()).get('/operator/jobs').set('Host', 'admin.localhost').expect(303);
    });

    it('lists messages and shows each rendered on the operator host', async () => {
      const id = await send(b, 'eve@example.org', 'records-requested', { caseId: CASE });
      await eventually(() => expect(existsSync(outboxFile(id))).toBe(true), 15000);
      const list = await operator.get('/operator/outbox');
      expect(list.status).toBe(200);
      expect(list.text).toContain(`/operator/outbox/${id}`);
      expect(list.text).toContain('Documents requested for your request');
      const page = await operator.get(`/operator/outbox/${id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`src="/operator/outbox/${id}/html"`);
      expect(page.text).toContain('eve@example.org');
      const html = await operator.get(`/operator/outbox/${id}/html`);
      expect(html.status).toBe(200);
      expect(html.headers['content-security-policy']).toContain('sandbox');
      expect(html.text).toContain(b.name);
    });

    it.each(['en', 'es', 'fr'])('reads in the operator’s language (%s); messages keep their own', async (locale) => {
      const id = await send(b, 'fay@example.org', 'opinion-ready', { caseId: CASE });
      await eventually(() => expect(existsSync(outboxFile(id))).toBe(true), 15000);
      operator.cookies.set('lang', locale);
      try {
        const translator = app.get(Translator);
        for (const path of ['/operator/outbox', `/operator/outbox/${id}`]) {
          const page = await operator.get(path);
          expect({ path, status: page.status }).toEqual({ path, status: 200 });
          expect(page.text).toContain(`<html lang="${locale}">`);
          // The product's name in the title is data, as on every operator page.
          expectNoLeaks(page.text, { locale, translator, allow: ['Consilium'], page: path });
        }
      } finally {
        operator.cookies.delete('lang');
      }
    });

    it("is not there on a hospital's host, for an unknown id, or for a path", async () => {
      await request(app.getHttpServer()).get('/operator/outbox').set('Host', a.host).expect(404);
      expect((await operator.get(`/operator/outbox/${randomUUID()}`)).status).toBe(404);
      expect((await operator.get('/operator/outbox/..%2F..%2Fdatabase-roles.json')).status).toBe(404);
    });

    it('shows dead jobs with their last error, and jobs per queue', async () => {
      // A row written around the Mailer with data the catalogue refuses: the job fails for good.
      const id = randomUUID();
      await tenantDb.forTenant(b.id, async (tx) => {
        await tx.query(
          `INSERT INTO outbound_emails (tenant_id, id, template, to_address, data) VALUES ($1, $2, 'opinion-ready', 'f@example.org', '{"caseId": "not-a-uuid"}')`,
          [b.id, id],
        );
        await app.get(JobQueue).enqueue(tx, 'send-email', { tenantId: b.id, messageId: id });
      });
      await eventually(async () => expect((await emailJobs(db.owner, [id]))[0]?.state).toBe('failed'), 15000);
      const page = await operator.get('/operator/jobs');
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<td[^>]*>send-email<\/td><td[^>]*>[^<]*completed \d+/);
      expect(page.text).toContain((await emailJobs(db.owner, [id]))[0].id);
      expect(page.text).toContain('<code>invalid_data</code> Email &quot;opinion-ready&quot; does not accept this data (fields: caseId)');
    });

    it('is not there in production, nor without an operator identified', async () => {
      // The outbox chosen on purpose: production still keeps its messages out of the console.
      const production = await createTestApp({
        ...db.env,
        NODE_ENV: 'production',
        EMAIL_TRANSPORT: 'outbox',
        EMAIL_OUTBOX_DIR: outbox.dir,
      });
      try {
        await request(production.getHttpServer()).get('/operator/outbox').set('Host', 'admin.localhost').expect(404);
        // This app mounts no identity, so no access guard names an operator: the pages fail closed.
        await request(production.getHttpServer()).get('/operator/jobs').set('Host', 'admin.localhost').expect(404);
      } finally {
        await production.close();
      }
    });

    it('lists and shows messages with the CLI', () => {
      const cli = builtEntry('apps/cli/src/main.js');
      const env = { PATH: process.env.PATH, EMAIL_OUTBOX_DIR: outbox.dir, LOG_LEVEL: 'silent' };
      const list = execFileSync(process.execPath, [cli, 'outbox', 'list', '--limit', '500'], { env, encoding: 'utf8' });
      const files = readdirSync(outbox.dir).filter((f) => f.endsWith('.eml'));
      expect(list.trim().split('\n')).toHaveLength(files.length);
      const id = files[0].slice(0, -4);
      const shown = execFileSync(process.execPath, [cli, 'outbox', 'show', id], { env, encoding: 'utf8' });
      expect(shown).toMatch(/^From {6}/m);
      expect(shown).toContain(`${id}.eml`);
    });
  });
});
