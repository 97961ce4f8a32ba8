import { Case } from '@consilium/cases';
import { defaultRateLimits, TenantDatabase } from '@consilium/core';
import { Mailer } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { Pgbouncer, PGBOUNCER_MISSING, pgbouncerBinary, startPgbouncer } from '../support/pgbouncer';
import { httpGet, RunningProcess, startProcess } from '../support/processes';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestHospital, testBlueprint, TestHospital, TestPeople } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const CASE = '2c4e6a8c-0e2a-4c6e-8a0c-2e4a6c8e0a2c';

/**
 * Two platform processes and a worker, built from dist/, against one PostgreSQL: what one instance writes, the other
 * serves; sessions, caches and jobs do not depend on which instance a request reaches. They reach PostgreSQL through
 * pgbouncer in transaction pooling mode (20 server connections for up to 200 clients), as deploy/SCALING.md
 * describes, with LISTEN and the jobs worker on DATABASE_DIRECT_URL; without pgbouncer installed they connect directly.
 */
describe('several instances against one database', () => {
  const outbox = tempDir('multi-outbox');
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let peopleA: TestPeople;
  let one: RunningProcess;
  let two: RunningProcess;
  let worker: RunningProcess;
  let bouncer: Pgbouncer | undefined;

  beforeAll(async () => {
    db = await isolatedDatabase('multi');
    app = await createTestApp({ ...db.env, EMAIL_OUTBOX_DIR: outbox.dir });
    a = await createTestHospital(app);
    peopleA = a.people;
    if (pgbouncerBinary()) bouncer = await startPgbouncer([db.env.DATABASE_URL], { poolSize: 20, maxClients: 200 });
    else console.warn(`${PGBOUNCER_MISSING}: these instances connect to PostgreSQL directly`);
    const pooled: Record<string, string> = bouncer
      ? { DATABASE_URL: bouncer.through(db.env.DATABASE_URL), DATABASE_DIRECT_URL: db.env.DATABASE_URL }
      : {};
    const env = { ...db.env, ...pooled, EMAIL_OUTBOX_DIR: outbox.dir, JOBS_RUN_IN_PLATFORM: 'false' };
    // Instance one also runs job handlers, so two consumers compete for every queue.
    [one, two, worker] = await Promise.all([
      startProcess('platform', { ...env, JOBS_RUN_IN_PLATFORM: 'true' }),
      startProcess('platform', env),
      startProcess('worker', env),
    ]);
  }, 120000);

  afterAll(async () => {
    await Promise.all([one, two, worker].filter(Boolean).map((p) => p.stop()));
    await bouncer?.stop();
    await app?.close();
    await db?.drop();
    outbox.remove();
  });

  it('keeps a session signed in on one instance valid on the other, and a sign-out on one ends it on both', async () => {
    const onOne = new WebClient(one.url, a.host);
    await signInPatient(onOne, peopleA.patient);
    const onTwo = new WebClient(two.url, a.host);
    for (const [k, v] of onOne.cookies) onTwo.cookies.set(k, v);
    expect((await onTwo.get('/account')).status).toBe(200);
    await onTwo.post('/sign-out');
    expect((await onOne.get('/account')).status).toBe(303);
  });

  it('serves a branding change made elsewhere within a second on both instances', async () => {
    const before = await httpGet(two.port, '/theme.css', a.host);
    expect(before.body).toContain('#123456');
    await applyTestBlueprint(
      app,
      testBlueprint(a.slug, { branding: { logo: 'assets/logo.svg', colors: { primary: '#0a7f3f', accent: '#abcdef' } } }),
    );
    // From the commit (apply has returned) to both instances serving the new theme.
    const started = Date.now();
    const seen = await Promise.all(
      [one, two].map((p) =>
        eventually(
          async () => {
            const home = await httpGet(p.port, '/', a.host);
            const css = await httpGet(p.port, (/href="(\/theme\.css\?v=[^"]+)"/.exec(home.body) ?? [])[1] ?? '/theme.css', a.host);
            if (!css.body.includes('#0a7f3f')) throw new Error('old theme');
            return Date.now() - started;
          },
          5000,
          20,
        ),
      ),
    );
    expect(Math.max(...seen)).toBeLessThan(1000);
  });

  it('runs every job once with two consumers competing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(
        await app
          .get(TenantDatabase)
          .forTenant(a.id, (tx) =>
            app.get(Mailer).send(tx, { tenantId: a.id, to: `p${i}@example.org`, template: 'new-message', data: { caseId: CASE } }),
          ),
      );
    }
    await eventually(
      () => {
        const files = readdirSync(outbox.dir).filter((f) => ids.some((id) => f.startsWith(id)));
        if (files.length < ids.length) throw new Error(`${files.length} of ${ids.length}`);
      },
      30000,
      100,
    );
    const files = readdirSync(outbox.dir).filter((f) => ids.some((id) => f.startsWith(id)));
    expect(files.sort()).toEqual(ids.map((id) => `${id}.eml`).sort());
    // One completed job per message, none failed or retried into a second run. The file is written before its job
    // is marked completed, so the last jobs may still be finishing: wait for that, not for a fixed time.
    const owner = new Client({ connectionString: db.owner });
    await owner.connect();
    try {
      await eventually(
        async () => {
          const { rows } = await owner.query(
            `SELECT state, count(*)::int AS n, max(retry_count)::int AS retries FROM pgboss.job WHERE name = 'send-email' AND data->>'messageId' = ANY($1) GROUP BY state`,
            [ids],
          );
          expect(rows).toEqual([{ state: 'completed', n: ids.length, retries: 0 }]);
        },
        15000,
        100,
      );
    } finally {
      await owner.end();
    }
  });

  it('limits sign-ups for one address across instances: past the limit both answer 429 with Retry-After', async () => {
    const limit = defaultRateLimits()['sign-up'].address!.count;
    const email = `limited.${Date.now()}@example.org`;
    const answers: Page[] = [];
    for (let i = 0; i < 30; i++) {
      const client = new WebClient(i % 2 === 0 ? one.url : two.url, a.host);
      answers.push(await client.submit('/sign-up', { name: 'Repeat', email, password: 'a long enough passphrase', terms: 'yes' }));
    }
    expect(answers.map((p) => p.status)).toEqual([...Array<number>(limit).fill(200), ...Array<number>(30 - limit).fill(429)]);
    for (const refused of answers.slice(limit)) {
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.text).toContain('Too many attempts.');
    }
    const sent = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT template FROM outbound_emails WHERE to_address = $1', [email]));
    expect(sent).toHaveLength(limit);
  });

  it('walks a request from intake to acceptance with every request on the other instance', async () => {
    let turn = 0;
    const alternate = () => (turn++ % 2 === 0 ? one.url : two.url);
    const patient = new WebClient(alternate, a.host);
    await signInPatient(patient, peopleA.patient);
    await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
    await patient.get('/start/plan');
    const started = await patient.post('/start/plan');
    expect(started.status).toBe(303);
    const id = started.location!.split('/')[2];
    expect((await patient.submit(`/start/${id}/details`, { questions: 'Is the operation needed?', diagnosis: 'Stenosis' })).status).toBe(
      303,
    );
    expect((await patient.submit(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' })).status).toBe(
      303,
    );
    const paying = await patient.submit(`/start/${id}/review`, { accept: 'yes', funding: '' });
    expect(paying.status).toBe(303);
    const checkout = new URL(paying.location!).pathname;
    await patient.get(checkout);
    expect((await patient.post(`${checkout}/authorize`)).status).toBe(303);
    expect((await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).state).toBe('submitted');

    const coordinator = new WebClient(alternate, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.submit(`/console/cases/${id}`, { move: 'start_triage' }, `/console/cases/${id}/move`)).status).toBe(303);
    expect((await coordinator.submit(`/console/cases/${id}`, { move: 'accept' }, `/console/cases/${id}/move`)).status).toBe(303);
    expect(
      (await coordinator.submit(`/console/cases/${id}`, { body: 'We have everything we need.' }, `/console/cases/${id}/messages`)).status,
    ).toBe(303);
    const page = await patient.get(`/account/cases/${id}`);
    expect(page.text).toContain('We have everything we need.');
    expect((await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).state).toBe('accepted');
  });

  (pgbouncerBinary() ? it : it.skip)('went through pgbouncer: at most 20 server connections carried every transaction', async () => {
    const admin = new Client({ connectionString: bouncer!.adminUrl });
    await admin.connect();
    try {
      const name = new URL(db.env.DATABASE_URL).pathname.slice(1);
      const [pool] = (await admin.query('SHOW POOLS')).rows.filter((p: { database: string }) => p.database === name);
      const servers = Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used) + Number(pool.sv_tested) + Number(pool.sv_login);
      expect(servers).toBeGreaterThan(0);
      expect(servers).toBeLessThanOrEqual(20);
      const [stats] = (await admin.query('SHOW STATS')).rows.filter((p: { database: string }) => p.database === name);
      // Every request of the walks above, on both instances: hundreds of transactions through the pooler.
      expect(Number(stats.total_xact_count)).toBeGreaterThan(100);
    } finally {
      await admin.end();
    }
  });
});
