import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signUpPatient, verificationPath } from '../support/sign-up';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TEST_PASSWORD, TEST_TOTP_SECRET, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

describe('accounts and access', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, IntakeModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
  });

  afterAll(() => app.close());

  describe('patients', () => {
    it('signs up, signs in and out; the same email at another hospital is another account', async () => {
      const email = `pat.${Date.now()}@example.org`;
      const onA = new WebClient(app, a.host);
      // Before the emailed link is opened, the password chosen does not sign anyone in.
      const asked = await onA.submit('/sign-up', { name: 'Pat Doe', email, password: 'a long enough passphrase', terms: 'yes' });
      expect(asked.status).toBe(200);
      expect(asked.text).toContain('Open the link in it to confirm your address');
      expect((await new WebClient(app, a.host).submit('/sign-in', { email, password: 'a long enough passphrase' })).status).toBe(400);
      const path = (await verificationPath(app, a.id, email))!;
      expect((await onA.get(path)).text).toContain('Confirm and continue');
      const created = await onA.post(path);
      expect(created.status).toBe(303);
      expect(created.location).toBe('/account');
      expect((await onA.get('/account/settings')).text).toContain(email);
      const twice = await new WebClient(app, a.host).submit(path, {}, path);
      expect(twice.status).toBe(400);
      expect(twice.text).toContain('This link has expired or was already used.');
      expect((await new WebClient(app, a.host).submit('/sign-in', { email, password: 'a long enough passphrase' })).status).toBe(303);

      const onB = new WebClient(app, b.host);
      const refused = await onB.submit('/sign-in', { email, password: 'a long enough passphrase' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('The email or password is incorrect.');
      expect((await signUpPatient(onB, app, b.id, { name: 'Pat Doe', email, password: 'another long passphrase' })).status).toBe(303);

      await onA.post('/sign-out');
      expect((await onA.get('/account')).location).toBe('/sign-in?next=%2Faccount');
    });

    it('shows each sign-up problem beside its field and keeps what was typed', async () => {
      const client = new WebClient(app, a.host);
      const page = await client.submit('/sign-up', { name: 'Ana Díaz', email: 'not-an-email', password: 'short' });
      expect(page.status).toBe(400);
      expect(page.text).toContain('value="Ana Díaz"');
      expect(page.text).toContain('value="not-an-email"');
      expect(page.text).toContain('Enter an email address like name@example.com.');
      expect(page.text).toContain('Please accept the terms');
      const weak = await client.submit('/sign-up', {
        name: 'Ana',
        email: `ana.${Date.now()}@example.org`,
        password: 'password1234',
        terms: 'yes',
      });
      expect(weak.status).toBe(400);
      expect(weak.text).toContain('This password is too common');
      expect(weak.text).not.toContain('password1234');
    });

    it("does not accept a session cookie from one hospital's host on another's", async () => {
      const onA = new WebClient(app, a.host);
      await signInPatient(onA, peopleA.patient);
      expect((await onA.get('/account')).status).toBe(200);
      const replay = new WebClient(app, b.host);
      for (const [k, v] of onA.cookies) replay.cookies.set(k, v);
      const res = await replay.get('/account');
      expect(res.status).toBe(303);
      expect(res.location).toContain('/sign-in');
    });

    it('resets a forgotten password by email; the link works once and expires', async () => {
      const client = new WebClient(app, a.host);
      const sent = await client.submit('/forgot-password', { email: peopleA.patient.email });
      expect(sent.text).toContain('If an account uses that address');
      // The answer is the same for an address that has no account, and nothing is sent.
      const unknown = await client.submit('/forgot-password', { email: 'nobody@example.org' });
      expect(unknown.text).toBe(sent.text);
      expect(RecordingAccountMail.last('nobody@example.org', 'password-reset')).toBeUndefined();

      const mail = RecordingAccountMail.last(peopleA.patient.email, 'password-reset')!;
      expect(mail.tenantId).toBe(a.id);
      const path = new URL(mail.data.url!).pathname;
      expect((await client.submit(path, { password: 'a brand new passphrase' })).location).toBe('/sign-in?reset=1');
      const again = await client.submit(path, { password: 'yet another passphrase' });
      expect(again.status).toBe(400);
      expect(again.text).toContain('This link has expired or was already used');
      expect((await client.submit('/sign-in', { email: peopleA.patient.email, password: 'a brand new passphrase' })).status).toBe(303);

      await client.submit('/forgot-password', { email: peopleA.patient.email });
      const stale = new URL(RecordingAccountMail.last(peopleA.patient.email, 'password-reset')!.data.url!).pathname;
      const pg = new Client({ connectionString: process.env.TEST_DATABASE_OWNER_URL });
      await pg.connect();
      await pg.query(`SELECT set_config('app.tenant_id', $1, false)`, [a.id]);
      await pg.query(
        `UPDATE auth_tokens SET expires_at = now() - interval '1 minute' WHERE purpose = 'password_reset' AND used_at IS NULL`,
      );
      await pg.end();
      expect((await client.submit(stale, { password: 'too late passphrase' })).status).toBe(400);
    });

    it('throttles repeated failures with one generic message and tells the owner', async () => {
      const client = new WebClient(app, b.host);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await client.submit('/sign-in', { email: peopleB.patient.email, password: `wrong guess number ${i}` });
        statuses.push(res.status);
        if (res.status === 400) expect(res.text).toContain('The email or password is incorrect.');
      }
      expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
      expect(statuses.slice(5)).toEqual([429]);
      const blocked = await client.submit('/sign-in', { email: peopleB.patient.email, password: TEST_PASSWORD });
      expect(blocked.status).toBe(429);
      expect(blocked.text).toContain('Too many attempts');
      expect(RecordingAccountMail.last(peopleB.patient.email, 'sign-in-failures')).toBeDefined();
    });
  });

  describe('staff', () => {
    it('are invited by an admin, choose a password, enroll TOTP with a QR code, and reach the console', async () => {
      const admin = new WebClient(app, a.host);
      await signInStaff(admin, peopleA.admin);
      const email = `new.coordinator.${Date.now()}@example.org`;
      const invited = await admin.submit('/console/staff', { name: 'Nia New', email, roles: ['coordinator'], locale: 'en' });
      expect(invited.location).toBe('/console/staff?invited=1');
      const invitation = RecordingAccountMail.last(email, 'staff-invitation')!;
      expect(invitation.data.url).toContain('/console/invitation/');

      const newcomer = new WebClient(app, a.host);
      const path = new URL(invitation.data.url!).pathname;
      expect((await newcomer.get(path)).text).toContain(email);
      expect((await newcomer.submit(path, { password: 'my first console passphrase' })).location).toBe('/console/sign-in?ready=1');
      const pw = await newcomer.submit('/console/sign-in', { email, password: 'my first console passphrase' });
      expect(pw.location).toBe('/console/mfa');
      // Before the second factor nothing of the console opens.
      expect((await newcomer.get('/console')).location).toBe('/console/mfa');
      const enroll = await newcomer.get('/console/mfa');
      expect(enroll.text).toContain('data:image/svg+xml;base64,');
      const secret = /<span class="secret"[^>]*>([A-Z2-7]+)<\/span>/.exec(enroll.text)![1];
      const wrong = await newcomer.post('/console/mfa', { code: '000000' });
      expect(wrong.status).toBe(400);
      const secret2 = /<span class="secret"[^>]*>([A-Z2-7]+)<\/span>/.exec(wrong.text)![1];
      const done = await newcomer.post('/console/mfa', { code: await freshCode(email, secret2, app) });
      expect(done.status).toBe(200);
      expect(done.text.match(/<li>[A-Z2-9]{4}-[A-Z2-9]{4}<\/li>/g)).toHaveLength(10);
      expect(secret).not.toBe(secret2);
      expect((await newcomer.get('/console')).status).toBe(200);
      // A coordinator is not an admin.
      expect((await newcomer.get('/console/staff')).status).toBe(403);
    });

    it('lose their live session on their next request once disabled', async () => {
      const physician = new WebClient(app, b.host);
      await signInStaff(physician, peopleB.physician);
      expect((await physician.get('/console')).status).toBe(200);
      const admin = new WebClient(app, b.host);
      await signInStaff(admin, peopleB.admin);
      await admin.submit('/console/staff', {}, `/console/staff/${peopleB.physician.id}/disable`);
      const next = await physician.get('/console');
      expect(next.status).toBe(303);
      expect(next.location).toContain('/console/sign-in');
      await admin.submit('/console/staff', {}, `/console/staff/${peopleB.physician.id}/enable`);
    });

    it('refuse a form without its CSRF token and change nothing', async () => {
      const admin = new WebClient(app, a.host);
      await signInStaff(admin, peopleA.admin);
      const email = `csrf.${Date.now()}@example.org`;
      const res = await admin.post('/console/staff', { name: 'X', email, roles: 'physician' }, { csrf: false });
      expect(res.status).toBe(403);
      expect(res.text).toContain('This form has expired.');
      expect((await admin.get('/console/staff')).text).not.toContain(email);
    });
  });

  describe('magic links', () => {
    it('sign a patient in once, after a button press (mail scanners only GET)', async () => {
      const client = new WebClient(app, a.host);
      const sent = await client.submit('/sign-in', { email: peopleA.patient.email }, '/sign-in/link');
      expect(sent.text).toContain('a sign-in link is on its way');
      const path = new URL(RecordingAccountMail.last(peopleA.patient.email, 'magic-link')!.data.url!).pathname;
      const landing = await client.get(path);
      expect(landing.status).toBe(200);
      expect((await client.get('/account')).status).toBe(303);
      const used = await client.post(path);
      expect(used.location).toBe('/account');
      expect((await client.get('/account')).status).toBe(200);
      const twice = await new WebClient(app, a.host).submit(path, {}, path);
      expect(twice.status).toBe(400);
      expect(twice.text).toContain('expired or was already used');
    });
  });

  describe('operators', () => {
    it('sign in on the operator host only, with the second factor', async () => {
      const { OperatorAccounts } = await import('@consilium/identity');
      const email = `op.${Date.now()}@consilium.example`;
      await app.get(OperatorAccounts).upsert({ email, name: 'Op', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
      const onTenant = new WebClient(app, a.host);
      expect((await onTenant.get('/operator/sign-in')).status).toBe(404);
      const op = new WebClient(app, 'admin.localhost');
      const first = await op.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
      expect(first.location).toBe('/operator/mfa');
      expect((await op.get('/operator')).location).toBe('/operator/mfa');
      const second = await op.submit('/operator/mfa', { code: await freshCode(email, undefined, app) });
      expect(second.location).toBe('/operator');
      const home = await op.get('/operator');
      expect(home.status).toBe(200);
      expect(home.text).toContain(a.slug);
      expect(home.text).toContain(b.slug);
      // The operator cookie means nothing on a hospital host.
      const replay = new WebClient(app, a.host);
      for (const [k, v] of op.cookies) replay.cookies.set(k, v);
      expect((await replay.get('/console')).location).toContain('/console/sign-in');
    });
  });

  describe('API keys', () => {
    it('authenticate /api/v1 for their own hospital only, until revoked', async () => {
      const admin = new WebClient(app, a.host);
      await signInStaff(admin, peopleA.admin);
      const page = await admin.submit('/console/api-keys', { name: 'EHR bridge', scopes: ['conversions.record'] });
      const key = /<p class="secret">(ck_[A-Za-z0-9_-]+)<\/p>/.exec(page.text)![1];
      const call = (host: string) =>
        request(app.getHttpServer()).get('/api/v1/whoami').set('Host', host).set('Authorization', `Bearer ${key}`);
      const ok = await call(a.host);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ tenant: { slug: a.slug, name: a.name }, key: { id: expect.any(String), scopes: ['conversions.record'] } });
      expect((await call(b.host)).status).toBe(401);
      await admin.submit('/console/api-keys', {}, `/console/api-keys/${ok.body.key.id}/revoke`);
      expect((await call(a.host)).status).toBe(401);
    });
  });
});
