import { AnalyticsModule } from '@consilium/analytics';
import { IS_PUBLIC, REQUIRED_ACTION } from '@consilium/core';
import { PaymentsModule } from '@consilium/billing';
import { AccountMail, ALL_ACTIONS, IdentityModule } from '@consilium/identity';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IntakeModule } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Actions that are not in the policy table on purpose: they belong to every signed-in actor of a kind. */
const IMPLICIT_ACTIONS = new Set(['mfa.complete', 'api.access']);

type Role = 'anonymous' | 'patient' | 'coordinator' | 'physician' | 'admin';

describe('permissions', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  const clients = {} as Record<Role, WebClient>;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, PaymentsModule, AnalyticsModule],
        providers: [{ provide: AccountMail, useClass: RecordingAccountMail }],
      },
    );
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    for (const role of ['anonymous', 'patient', 'coordinator', 'physician', 'admin'] as Role[]) clients[role] = new WebClient(app, a.host);
    await signInPatient(clients.patient, peopleA.patient);
    await signInStaff(clients.coordinator, peopleA.coordinator);
    await signInStaff(clients.physician, peopleA.physician);
    await signInStaff(clients.admin, peopleA.admin);
  });

  afterAll(() => app.close());

  it('every registered route declares who may call it', () => {
    const discovery = app.get(DiscoveryService);
    const scanner = app.get(MetadataScanner);
    const reflector = app.get(Reflector);
    const undeclared: string[] = [];
    const unknownActions: string[] = [];
    let routes = 0;
    for (const wrapper of discovery.getControllers()) {
      const instance = wrapper.instance as object;
      if (!instance) continue;
      for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const handler = (instance as Record<string, unknown>)[name] as () => unknown;
        if (Reflect.getMetadata('method', handler) === undefined) continue; // not a route
        routes++;
        const isPublic = reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, wrapper.metatype as () => unknown]);
        const action = reflector.getAllAndOverride<string>(REQUIRED_ACTION, [handler, wrapper.metatype as () => unknown]);
        if (!isPublic && !action) undeclared.push(`${wrapper.name}.${name}`);
        if (action && !ALL_ACTIONS.has(action) && !IMPLICIT_ACTIONS.has(action)) unknownActions.push(`${wrapper.name}.${name}: ${action}`);
      }
    }
    expect(routes).toBeGreaterThan(30);
    expect(undeclared).toEqual([]);
    expect(unknownActions).toEqual([]);
  });

  // Pages answer 303 to the sign-in page where the API answers 401.
  const SIGN_IN = 303;
  const matrix: [string, Record<Role, number>][] = [
    ['/console', { anonymous: SIGN_IN, patient: 403, coordinator: 200, physician: 200, admin: 200 }],
    ['/console/staff', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/audit', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/api-keys', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/settings', { anonymous: SIGN_IN, patient: 403, coordinator: 200, physician: 200, admin: 200 }],
    ['/account', { anonymous: SIGN_IN, patient: 200, coordinator: 403, physician: 403, admin: 403 }],
    ['/account/settings', { anonymous: SIGN_IN, patient: 200, coordinator: 200, physician: 200, admin: 200 }],
    ['/operator', { anonymous: 404, patient: 404, coordinator: 404, physician: 404, admin: 404 }],
    ['/console/revenue', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/funding', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/funding/reviews', { anonymous: SIGN_IN, patient: 403, coordinator: 200, physician: 403, admin: 200 }],
    ['/operator/revenue', { anonymous: 404, patient: 404, coordinator: 404, physician: 404, admin: 404 }],
    ['/console/catalog', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/roster', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/site', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/console/branding', { anonymous: SIGN_IN, patient: 403, coordinator: 403, physician: 403, admin: 200 }],
    ['/operator/tenants', { anonymous: 404, patient: 404, coordinator: 404, physician: 404, admin: 404 }],
    ['/operator/tenants/new', { anonymous: 404, patient: 404, coordinator: 404, physician: 404, admin: 404 }],
    ['/console/analytics', { anonymous: SIGN_IN, patient: 403, coordinator: 200, physician: 403, admin: 200 }],
    ['/operator/benchmarks', { anonymous: 404, patient: 404, coordinator: 404, physician: 404, admin: 404 }],
  ];

  it.each(matrix)('%s: each role on its own hospital', async (path, expected) => {
    const got: Record<string, number> = {};
    for (const role of Object.keys(expected) as Role[]) got[role] = (await clients[role].get(path)).status;
    expect(got).toEqual(expected);
  });

  it.each(matrix)("%s: each role's cookies on the other hospital's host are no session there (never 200, never 403)", async (path) => {
    for (const role of Object.keys(clients) as Role[]) {
      const elsewhere = new WebClient(app, b.host);
      for (const [k, v] of clients[role].cookies) elsewhere.cookies.set(k, v);
      const res = await elsewhere.get(path);
      expect([SIGN_IN, 404]).toContain(res.status);
      if (res.status === SIGN_IN) expect(res.location).toMatch(/sign-in/);
    }
  });

  it('the API answers 401 without a key and 403 to a cookie without the scope', async () => {
    expect((await request(app.getHttpServer()).get('/api/v1/whoami').set('Host', a.host)).status).toBe(401);
    expect((await clients.admin.get('/api/v1/whoami')).status).toBe(403);
  });

  it("an admin acting on another hospital's staff by id gets 404 and changes nothing", async () => {
    await clients.admin.get('/console/staff');
    const res = await clients.admin.post(`/console/staff/${peopleB.physician.id}/disable`);
    expect(res.status).toBe(404);
    const physicianB = new WebClient(app, b.host);
    await signInStaff(physicianB, peopleB.physician);
    expect((await physicianB.get('/console')).status).toBe(200);
  });

  describe('audit', () => {
    async function auditRows(tenantId: string, action: string): Promise<{ outcome: string; actor_id: string | null }[]> {
      const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
      await pg.connect();
      try {
        return (
          await pg.query('SELECT outcome, actor_id FROM audit_events WHERE tenant_id = $1 AND action = $2 ORDER BY occurred_at', [
            tenantId,
            action,
          ])
        ).rows;
      } finally {
        await pg.end();
      }
    }

    it('writes exactly one row per call to a PHI route, allowed or refused', async () => {
      const before = (await auditRows(a.id, 'audit.read')).length;
      await clients.admin.get('/console/audit');
      await clients.coordinator.get('/console/audit');
      await clients.anonymous.get('/console/audit');
      const rows = (await auditRows(a.id, 'audit.read')).slice(before);
      expect(rows).toEqual([
        { outcome: 'allowed', actor_id: peopleA.admin.id },
        { outcome: 'denied', actor_id: peopleA.coordinator.id },
        { outcome: 'denied', actor_id: null },
      ]);
      // The other hospital's log holds only the refused visits made there with these cookies, as nobody.
      for (const row of await auditRows(b.id, 'audit.read')) expect(row).toEqual({ outcome: 'denied', actor_id: null });
    });

    it('lets admins filter by person and export CSV, their own hospital only', async () => {
      const page = await clients.admin.get(`/console/audit?actor=${peopleA.coordinator.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(peopleA.coordinator.email);
      expect(page.text).not.toContain(peopleA.admin.email);
      const csv = await clients.admin.get('/console/audit/export.csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toContain('attachment');
      expect(csv.text.split('\r\n')[0]).toBe(
        'occurred_at,actor_kind,actor_id,actor_email,action,entity_type,entity_id,subject_id,subject_email,outcome,ip,user_agent,request_id',
      );
      expect(csv.text).toContain(peopleA.coordinator.email);
      expect(csv.text).not.toContain(peopleB.admin.email);
      // A user agent is whatever a visitor sends: the export defuses it so a spreadsheet shows it, never runs it.
      await clients.coordinator.get('/console/audit', { 'User-Agent': '=HYPERLINK("http://evil.example","x")' });
      await clients.coordinator.get('/console/audit', { 'User-Agent': '@SUM(1+1)' });
      const defused = (await clients.admin.get('/console/audit/export.csv')).text;
      expect(defused).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",`);
      expect(defused).toContain(",'@SUM(1+1),");
      expect(defused).not.toMatch(/,=HYPERLINK|,"=HYPERLINK/);
      const bad = await clients.admin.get('/console/audit?from=yesterday');
      expect(bad.status).toBe(400);
      // The filter again, the date as typed and the problem beside it.
      expect(bad.text).toContain('Enter a date as YYYY-MM-DD');
      expect(bad.text).toContain('value="yesterday"');
    });

    it('cannot be changed or deleted by the runtime role', async () => {
      const pg = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await pg.connect();
      try {
        await pg.query('BEGIN');
        await pg.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.id]);
        await expect(pg.query(`UPDATE audit_events SET outcome = 'allowed'`)).rejects.toThrow(/permission denied/);
        await pg.query('ROLLBACK');
        await pg.query('BEGIN');
        await pg.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.id]);
        await expect(pg.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
        await pg.query('ROLLBACK');
      } finally {
        await pg.end();
      }
    });
  });
});
