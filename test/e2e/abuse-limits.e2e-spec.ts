import { Case, CasePipeline } from '@consilium/cases';
import { MetricsRegistry, RATE_LIMIT, RateLimitSpec, TenantDatabase } from '@consilium/core';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TEST_PASSWORD, TEST_TOTP_SECRET, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

/**
 * Abuse limits (issue 16), with limits lowered so each is reached in a few requests. The app trusts one proxy, and
 * every client here comes from its own documentation address (RFC 5737) through X-Forwarded-For: limits kept per IP
 * are platform-wide, and suites running beside this one spend the buckets of 127.0.0.1.
 */
const LIMITS = [
  '*.ip=1000/1h',
  'sign-up.ip=3/1h',
  'sign-up.address=2/1h',
  'password-reset.address=2/1h',
  'sign-in-link.address=2/1h',
  'sign-in.address=2/1h',
  'second-factor.actor=2/1h',
  'invitation.actor=1/1h',
  'invitation.address=1/1h',
  'intake.actor=1/1h',
  'messages.actor=2/1h',
  'case-emails.actor=1/1h',
].join(',');

let addressCounter = 0;
/** A client address of its own (TEST-NET-3), so no two tests share a per-IP bucket. */
function freshIp(): string {
  addressCounter += 1;
  return `203.0.${113 + Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

const withoutToken = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

describe('abuse limits', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  const dataDir = tempDir('abuse-limits');
  const onA = (headers: Record<string, string> = {}) => new WebClient(app, a.host, { 'x-forwarded-for': freshIp(), ...headers });
  const fresh = () => `limit.${randomBytes(5).toString('hex')}@example.org`;

  beforeAll(async () => {
    app = await createTestApp(
      { TRUST_PROXY: 'true', RATE_LIMITS: LIMITS, DATA_DIR: dataDir.dir, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'] } }));
  });

  afterAll(async () => {
    await app?.close();
    dataDir.remove();
  });

  /** The tenant's queued emails to `to`, newest last (outbound_emails, in the tenant's own transaction). */
  const emailsTo = (tenantId: string, to: string): Promise<{ template: string; locale: string | null }[]> =>
    app
      .get(TenantDatabase)
      .forTenant(tenantId, (tx) =>
        tx.query('SELECT template, locale FROM outbound_emails WHERE to_address = $1 ORDER BY created_at', [to.toLowerCase()]),
      );

  /** The tokens of the tenant's queued emails of one kind to `to`, newest last. */
  const tokensTo = async (tenantId: string, to: string, template: string): Promise<string[]> => {
    const rows: { token: string }[] = await app
      .get(TenantDatabase)
      .forTenant(tenantId, (tx) =>
        tx.query(`SELECT data->>'token' AS token FROM outbound_emails WHERE to_address = $1 AND template = $2 ORDER BY created_at`, [
          to,
          template,
        ]),
      );
    return rows.map((r) => r.token);
  };

  function expectRefused(page: Page): void {
    expect(page.status).toBe(429);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
  }

  describe('sign-up', () => {
    it('answers the same page for an address that has an account and one that has none, and emails each the right message', async () => {
      const existing = a.people.patient.email;
      const newcomer = fresh();
      const first = await onA().submit('/sign-up', {
        name: 'Someone',
        email: existing,
        password: 'a long enough passphrase',
        terms: 'yes',
      });
      const second = await onA().submit('/sign-up', {
        name: 'Someone',
        email: newcomer,
        password: 'a long enough passphrase',
        terms: 'yes',
      });
      expect(first.status).toBe(200);
      expect(second.status).toBe(first.status);
      expect(withoutToken(second.text)).toBe(withoutToken(first.text));
      expect(second.headers['set-cookie']).toEqual(first.headers['set-cookie']);
      // The owner hears "you already have an account" with a way in; the new address is asked to confirm itself.
      expect((await emailsTo(a.id, existing)).map((e) => e.template)).toEqual(['account-exists']);
      expect((await emailsTo(a.id, newcomer)).map((e) => e.template)).toEqual(['email-verification']);
      // Neither attempt signs anyone in, and the existing account's password is untouched.
      const owner = onA();
      await signInPatient(owner, a.people.patient);
    });

    it('keeps a sign-up that was never confirmed from being used, and sends the newest sign-up its own link', async () => {
      const email = fresh();
      const squatter = onA();
      await squatter.submit('/sign-up', { name: 'Squatter', email, password: 'the squatters passphrase', terms: 'yes' });
      expect((await onA().submit('/sign-in', { email, password: 'the squatters passphrase' })).status).toBe(400);
      // The real owner signs up later: again a confirmation, not "you already have an account".
      await onA().submit('/sign-up', { name: 'Owner', email, password: 'the owners own passphrase', terms: 'yes' });
      expect((await emailsTo(a.id, email)).map((e) => e.template)).toEqual(['email-verification', 'email-verification']);
    });

    it('voids a waiting sign-up link once the owner proves the address another way', async () => {
      const email = fresh();
      await onA().submit('/sign-up', { name: 'Squatter', email, password: 'the squatters passphrase', terms: 'yes' });
      const [squattersLink] = await tokensTo(a.id, email, 'email-verification');
      // The owner asks for a sign-in link and uses it: the address is theirs, the squatter's password never applies.
      const owner = onA();
      await owner.submit('/sign-in', { email }, '/sign-in/link');
      const [signInLink] = await tokensTo(a.id, email, 'magic-link');
      await owner.get(`/sign-in/link/${signInLink}`);
      expect((await owner.post(`/sign-in/link/${signInLink}`)).location).toBe('/account');
      const late = onA();
      await late.get(`/verify-email/${squattersLink}`);
      expect((await late.post(`/verify-email/${squattersLink}`)).status).toBe(400);
      expect((await onA().submit('/sign-in', { email, password: 'the squatters passphrase' })).status).toBe(400);
      // From now on a sign-up for the address finds an account.
      await onA().submit('/sign-up', { name: 'Again', email, password: 'yet another passphrase', terms: 'yes' });
      expect((await emailsTo(a.id, email)).map((e) => e.template)).toEqual(['email-verification', 'magic-link', 'account-exists']);
    });

    it('refuses sign-ups for one address past its limit, with Retry-After, the form again and the address kept', async () => {
      const email = fresh();
      const statuses: number[] = [];
      let last: Page | undefined;
      for (let i = 0; i < 4; i++) {
        last = await onA().submit('/sign-up', { name: 'Repeat', email, password: 'a long enough passphrase', terms: 'yes' });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429, 429]);
      expectRefused(last!);
      expect(last!.text).toContain('action="/sign-up"');
      expect(last!.text).toContain(`value="${email}"`);
      expect(last!.text).toContain('Too many attempts.');
      expect(last!.text).not.toContain('a long enough passphrase');
      // Two emails were sent, not four; operators see the refusals counted, by limit and what it is kept per.
      expect(await emailsTo(a.id, email)).toHaveLength(2);
      const { body } = await app.get(MetricsRegistry).render();
      expect(body).toMatch(/consilium_rate_limit_refusals_total\{limit="sign-up",per="address"\} [1-9]/);
    });

    it('says so in the person’s language', async () => {
      const email = fresh();
      const client = onA({ 'accept-language': 'es' });
      for (let i = 0; i < 2; i++)
        await client.submit('/sign-up', { name: 'Ana', email, password: 'una frase bastante larga', terms: 'yes' });
      const refused = await client.submit('/sign-up', { name: 'Ana', email, password: 'una frase bastante larga', terms: 'yes' });
      expectRefused(refused);
      expect(refused.text).toContain('Demasiados intentos.');
      expect(refused.text).toMatch(/Espere \d+ minutos? e inténtelo de nuevo\./);
      expect(refused.text).toContain('value="Ana"');
      const inFrench = onA({ 'accept-language': 'fr' });
      const other = fresh();
      for (let i = 0; i < 2; i++)
        await inFrench.submit('/sign-up', { name: 'Anne', email: other, password: 'une phrase assez longue', terms: 'yes' });
      const refusal = await inFrench.submit('/sign-up', { name: 'Anne', email: other, password: 'une phrase assez longue', terms: 'yes' });
      expectRefused(refusal);
      expect(refusal.text).toMatch(/Trop de tentatives\. Patientez \d+ minutes?, puis réessayez\./);
      expect(refusal.text).toContain('value="Anne"');
    });

    it('does not count a form sent back for a mistake', async () => {
      const email = fresh();
      const client = onA();
      for (let i = 0; i < 3; i++)
        expect((await client.submit('/sign-up', { name: 'Typo', email, password: 'short', terms: 'yes' })).status).toBe(400);
      expect((await client.submit('/sign-up', { name: 'Typo', email, password: 'a long enough passphrase', terms: 'yes' })).status).toBe(
        200,
      );
    });

    it('answers JSON with the wait to a client that asks for JSON', async () => {
      const email = fresh();
      const client = onA();
      for (let i = 0; i < 2; i++)
        await client.submit('/sign-up', { name: 'Api', email, password: 'a long enough passphrase', terms: 'yes' });
      await client.get('/sign-up');
      const refused = await client.post(
        '/sign-up',
        { name: 'Api', email, password: 'a long enough passphrase', terms: 'yes' },
        { headers: { accept: 'application/json' } },
      );
      expectRefused(refused);
      const body = JSON.parse(refused.text) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: Number(refused.headers['retry-after']) });
    });
  });

  describe('per client address, behind the proxy', () => {
    it('counts the address the proxy saw: the rightmost X-Forwarded-For entry, whatever the client put before it', async () => {
      const ip = freshIp();
      const from = (forwarded: string) => new WebClient(app, a.host, { 'x-forwarded-for': forwarded });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await from(ip).submit('/sign-up', { name: 'X', email: fresh(), password: 'a long enough passphrase', terms: 'yes' })).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200]);
      // A fourth address, same client: refused, even when it claims to be someone else in front of the proxy.
      expectRefused(await from(ip).submit('/sign-up', { name: 'X', email: fresh(), password: 'a long enough passphrase', terms: 'yes' }));
      expectRefused(
        await from(`198.51.100.7, ${ip}`).submit('/sign-up', {
          name: 'X',
          email: fresh(),
          password: 'a long enough passphrase',
          terms: 'yes',
        }),
      );
      // Another client is not affected.
      expect(
        (await from(freshIp()).submit('/sign-up', { name: 'Y', email: fresh(), password: 'a long enough passphrase', terms: 'yes' }))
          .status,
      ).toBe(200);
    });
  });

  describe('links by email', () => {
    it('limit password resets per address on the site and the console, answering the same page for any address', async () => {
      const answers: Record<string, Page[]> = {};
      for (const [path, email] of [
        ['/forgot-password', a.people.patient.email],
        ['/forgot-password', fresh()],
        ['/console/forgot-password', a.people.coordinator.email],
      ] as const) {
        const client = onA();
        const pages: Page[] = [];
        for (let i = 0; i < 3; i++) pages.push(await client.submit(path, { email }));
        expect(pages.map((p) => p.status)).toEqual([200, 200, 429]);
        expectRefused(pages[2]);
        expect(pages[2].text).toContain(`action="${path}"`);
        expect(pages[2].text).toContain(`value="${email}"`);
        answers[email] = pages;
      }
      // An address with an account and one without get the same pages, refusal included.
      const [[knownEmail, known], [unknownEmail, unknown]] = Object.entries(answers);
      for (const i of [0, 2]) {
        expect(withoutToken(unknown[i].text).replace(unknownEmail, '(typed)')).toBe(
          withoutToken(known[i].text).replace(knownEmail, '(typed)'),
        );
      }
      expect((await emailsTo(a.id, a.people.patient.email)).filter((e) => e.template === 'password-reset')).toHaveLength(2);
    });

    it('limit sign-in links per address, and answer an unknown address as a known one', async () => {
      const known = onA();
      const unknown = onA();
      const knownPages: Page[] = [];
      const unknownPages: Page[] = [];
      const other = fresh();
      for (let i = 0; i < 3; i++) {
        knownPages.push(await known.submit('/sign-in', { email: a.people.patient.email }, '/sign-in/link'));
        unknownPages.push(await unknown.submit('/sign-in', { email: other }, '/sign-in/link'));
      }
      expect(knownPages.map((p) => p.status)).toEqual([200, 200, 429]);
      expect(unknownPages.map((p) => p.status)).toEqual([200, 200, 429]);
      expect(withoutToken(knownPages[0].text)).toBe(withoutToken(unknownPages[0].text));
      expect((await emailsTo(a.id, a.people.patient.email)).filter((e) => e.template === 'magic-link')).toHaveLength(2);
      expect(await emailsTo(a.id, other)).toEqual([]);
    });
  });

  describe('sign-in', () => {
    it('counts wrong passwords only, per address, across patient and staff forms; the right one gives its attempt back', async () => {
      const { email } = b.people.coordinator;
      const onB = () => new WebClient(app, b.host, { 'x-forwarded-for': freshIp() });
      // Right passwords, more of them than the limit: each gives its attempt back.
      for (let i = 0; i < 3; i++) {
        expect((await onB().submit('/console/sign-in', { email, password: TEST_PASSWORD })).location).toBe('/console/mfa');
      }
      // Wrong ones on the patients' form and the staff form draw from the same bucket: the address's.
      expect((await onB().submit('/sign-in', { email, password: 'not the password at all' })).status).toBe(400);
      expect((await onB().submit('/console/sign-in', { email, password: 'not the password either' })).status).toBe(400);
      const blocked = await onB().submit('/console/sign-in', { email, password: TEST_PASSWORD });
      expectRefused(blocked);
      expect(blocked.text).toContain('Too many attempts. Please wait');
      expect(blocked.text).toContain(`value="${email}"`);
      // The owner is told once that their sign-in is paused.
      expect((await emailsTo(b.id, email)).map((e) => e.template)).toEqual(['sign-in-failures']);
    });

    it('limits operators the same way on the operator host', async () => {
      const { OperatorAccounts } = await import('@consilium/identity');
      const email = `op.${randomBytes(4).toString('hex')}@consilium.example`;
      await app.get(OperatorAccounts).upsert({ email, name: 'Op', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
      const op = () => new WebClient(app, 'admin.localhost', { 'x-forwarded-for': freshIp() });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await op().submit('/operator/sign-in', { email, password: `guess ${i}` })).status);
      expect(statuses).toEqual([400, 400, 429]);
    });

    it('counts wrong second-factor codes per person; the page asks again and says how long to wait', async () => {
      const person = b.people.physician;
      const client = new WebClient(app, b.host, { 'x-forwarded-for': freshIp() });
      expect((await client.submit('/console/sign-in', { email: person.email, password: TEST_PASSWORD })).location).toBe('/console/mfa');
      expect((await client.submit('/console/mfa', { code: '000000' })).status).toBe(400);
      expect((await client.submit('/console/mfa', { code: '000001' })).status).toBe(400);
      const blocked = await client.submit('/console/mfa', { code: await freshCode(person.email) });
      expectRefused(blocked);
      expect(blocked.text).toContain('action="/console/mfa"');
      expect(blocked.text).toContain('Too many attempts.');
      // From another address the same person is refused too: the limit is theirs, not the address's.
      const elsewhere = new WebClient(app, b.host, { 'x-forwarded-for': freshIp() });
      await elsewhere.submit('/console/sign-in', { email: person.email, password: TEST_PASSWORD });
      expectRefused(await elsewhere.submit('/console/mfa', { code: await freshCode(person.email) }));
    });
  });

  describe('signed-in actions that send email', () => {
    it('limit invitations per admin and per invited address, across hospitals', async () => {
      const adminA = onA();
      await signInStaff(adminA, a.people.admin);
      const email = fresh();
      expect((await adminA.submit('/console/staff', { name: 'One', email, roles: ['coordinator'], locale: 'en' })).status).toBe(303);
      const again = await adminA.submit('/console/staff', { name: 'Two', email: fresh(), roles: ['coordinator'], locale: 'en' });
      expectRefused(again);
      expect(again.text).toContain('Too many attempts.');
      // Another hospital's admin inviting the same address: refused for the address.
      const adminB = new WebClient(app, b.host, { 'x-forwarded-for': freshIp() });
      await signInStaff(adminB, b.people.admin);
      expectRefused(await adminB.submit('/console/staff', { name: 'Three', email, roles: ['physician'], locale: 'en' }));
    });

    it('limit intake drafts per patient', async () => {
      const patient = onA();
      await signInPatient(patient, a.people.patient);
      const draft = async () => {
        await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
        await patient.get('/start/plan');
        return patient.post('/start/plan');
      };
      expect((await draft()).status).toBe(303);
      expectRefused(await draft());
    });

    it('limit messages per person (a message refused for a mistake costs nothing), and staff steps that email', async () => {
      const c = await submittedCase(a.people.patient.id);
      const patient = onA();
      await signInPatient(patient, a.people.patient);
      const page = `/account/cases/${c.id}`;
      expect((await patient.submit(page, { body: '' }, `${page}/messages`)).status).toBe(400);
      expect((await patient.submit(page, { body: 'First question' }, `${page}/messages`)).status).toBe(303);
      expect((await patient.submit(page, { body: 'Second question' }, `${page}/messages`)).status).toBe(303);
      expectRefused(await patient.submit(page, { body: 'Third question' }, `${page}/messages`));
      // Another hospital's patient gets the same 404 as for a case that does not exist.
      const patientB = new WebClient(app, b.host, { 'x-forwarded-for': freshIp() });
      await signInPatient(patientB, b.people.patient);
      expect((await patientB.get(page)).status).toBe(404);

      const coordinator = onA();
      await signInStaff(coordinator, a.people.coordinator);
      const consolePage = `/console/cases/${c.id}`;
      expect((await coordinator.submit(consolePage, { move: 'start_triage' }, `${consolePage}/move`)).status).toBe(303);
      expectRefused(await coordinator.submit(consolePage, { move: 'request_records', reason: 'Scans' }, `${consolePage}/move`));
    });
  });

  it('keeps only a keyed hash of each address and IP, never the address', async () => {
    const db = new Client({ connectionString: process.env.TEST_DATABASE_OWNER_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT bucket, key FROM rate_limits WHERE bucket LIKE 'sign-up.%' OR bucket LIKE 'sign-in%'`);
      expect(rows.length).toBeGreaterThan(0);
      const plain = [a.people.patient.email, b.people.coordinator.email, '203.0.113.1'];
      for (const row of rows as { bucket: string; key: Buffer }[]) {
        expect(row.bucket).toMatch(/^[a-z0-9-]+(\.[0-9a-f-]{36})?\.(ip|address|actor)$/);
        expect(row.key).toHaveLength(32);
        for (const text of plain) {
          expect(row.key.includes(Buffer.from(text))).toBe(false);
          // Not a bare hash either, which anyone could compute over a list of addresses.
          for (const subject of ['address', 'ip'])
            expect(row.key.equals(createHash('sha256').update(`${subject}:${text}`).digest())).toBe(false);
        }
      }
    } finally {
      await db.end();
    }
  });

  it('puts every route that sends an email or checks a secret under a limit', () => {
    expect(Object.fromEntries(routesWithLimits(app))).toEqual({
      'POST /sign-up': 'sign-up',
      'POST /sign-in': 'sign-in',
      'POST /sign-in/link': 'sign-in-link',
      'POST /forgot-password': 'password-reset',
      'POST /console/sign-in': 'sign-in',
      'POST /console/mfa': 'second-factor',
      'POST /console/forgot-password': 'password-reset',
      'POST /operator/sign-in': 'sign-in',
      'POST /operator/mfa': 'second-factor',
      'POST /console/staff': 'invitation',
      'POST /start/plan': 'intake',
      'POST /start/:id/review': 'intake',
      'POST /account/cases/:id/followers': 'messages',
      'POST /account/cases/:id/messages': 'messages',
      'POST /console/cases/:id/messages': 'messages',
      'POST /console/cases/:id/ask-records': 'case-emails',
      'POST /console/cases/:id/move': 'case-emails',
      'POST /console/cases/:id/assign': 'case-emails',
      'POST /console/cases/:id/assign-over-capacity': 'case-emails',
      'POST /console/cases/bulk': 'case-emails',
      'POST /console/cases/:id/contributors': 'case-emails',
      'POST /console/reviews/:id/decline': 'case-emails',
      'POST /console/reviews/:id/sign': 'second-factor',
    });
  });

  async function submittedCase(patientId: string): Promise<Case> {
    const pipeline = app.get(CasePipeline);
    return app.get(TenantDatabase).forTenant(a.id, async (tx) => {
      const c = await tx.save(
        Case,
        tx.create(Case, {
          tenantId: a.id,
          number: await pipeline.nextNumber(tx, a.id, 'TST'),
          state: 'draft',
          patientId,
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
        }),
      );
      await pipeline.move(tx, c.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: patientId, kind: 'patient', roles: [] },
      });
      return c;
    });
  }
});

/** Every route of the app that carries `@RateLimit`, as "METHOD /path" and the limit's name. */
function routesWithLimits(app: NestFastifyApplication): [string, string][] {
  const found: [string, string][] = [];
  const discovery = app.get(DiscoveryService);
  const reflector = app.get(Reflector);
  const scanner = app.get(MetadataScanner);
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const prefix = String(Reflect.getMetadata('path', wrapper.metatype) ?? '');
    for (const method of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const handler = (instance as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
      const spec = reflector.get<RateLimitSpec | undefined>(RATE_LIMIT, handler);
      if (!spec) continue;
      const path = String(Reflect.getMetadata('path', handler) ?? '');
      const verb = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'][Reflect.getMetadata('method', handler) as number];
      found.push([`${verb} ${`/${prefix}/${path}`.replace(/\/+/g, '/').replace(/\/$/, '')}`, spec.name]);
    }
  }
  return found;
}
