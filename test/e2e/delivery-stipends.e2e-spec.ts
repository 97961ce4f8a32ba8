import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { OpinionDelivery } from '@consilium/opinions';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { COMPLETE_OPINION, createTestCase, TestCase, TestCaseOptions } from '../support/cases';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * What delivery does besides the letter: the patient's email, the local physician's single-purpose link on a
 * physician-to-physician route, and the signing physician's stipend in the ledger, once per case.
 */
describe('delivery: stipends and the local physician', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let tenantA: ResolvedTenant;
  let physicianId: string;

  const db = () => app.get(TenantDatabase);

  /** A case signed by the tenant's physician through the console's services, ready for delivery. */
  async function signedCase(
    options: Pick<TestCaseOptions, 'jurisdiction' | 'localPhysician'> = {},
  ): Promise<{ c: TestCase; opinionId: string }> {
    const c = await createTestCase(app, a, {
      state: 'opinion_signed',
      opinion: { ...COMPLETE_OPINION, patientSummary: 'All is well: CANARY-SUMMARY.' },
      ...options,
    });
    return { c, opinionId: c.opinionId! };
  }

  const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: tenantA.timeZone }).format(new Date());

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    // Patients in other states get an opinion through their own physician (the local physician's link).
    ({ a, b } = await createTwoHospitals(app, {
      a: { licensure: { home_state: 'US-NY', unlicensed_states: 'physician_to_physician', international: 'decline' } },
    }));
    peopleA = a.people;
    peopleB = b.people;
    tenantA = (await app.get(TenantResolver).byId(a.id))!;
    [{ id: physicianId }] = await db().forTenant(a.id, (tx) => tx.query('SELECT id FROM physicians WHERE slug = $1', [a.physicianSlug]));
    // The blueprint's 200.00 has been the rate since the tenant was applied; a raise from tomorrow must not count today.
    await db().forTenant(a.id, (tx) =>
      tx.query(
        `INSERT INTO physician_stipend_rates (tenant_id, physician_id, amount_minor, currency, effective_from) VALUES ($1, $2, 99900, 'USD', $3::date + 1)`,
        [a.id, physicianId, today()],
      ),
    );
  });

  afterAll(() => app.close());

  it('accrues the signing physician’s stipend at the rate of the day, once, even if delivery runs twice', async () => {
    const { c, opinionId } = await signedCase();
    const delivery = app.get(OpinionDelivery);
    expect(await delivery.deliver(tenantA, opinionId)).toEqual({ delivered: true });
    expect(await delivery.deliver(tenantA, opinionId)).toEqual({ delivered: false });
    const entries = await db().forTenant(a.id, (tx) =>
      tx.query('SELECT physician_id, amount_minor, accrued_on::text AS day FROM stipend_entries WHERE case_id = $1', [c.id]),
    );
    expect(entries).toEqual([{ physician_id: physicianId, amount_minor: 20000, day: today() }]);
    // The patient is told, without content.
    const [mail] = await db().forTenant(a.id, (tx) =>
      tx.query(`SELECT data FROM outbound_emails WHERE template = 'opinion-ready' AND to_address = $1 AND data->>'caseId' = $2`, [
        peopleA.patient.email,
        c.id,
      ]),
    );
    expect(mail.data).toEqual({ caseId: c.id });
  });

  it('gives admins a monthly payout report, a CSV, and marks a month paid with an audit row', async () => {
    await signedCase().then(({ opinionId }) => app.get(OpinionDelivery).deliver(tenantA, opinionId));
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, peopleA.admin);
    const month = today().slice(0, 7);
    const page = await admin.get(`/console/stipends?month=${month}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Doctor ${a.slug.slice(2)}`);
    expect(page.text).toContain('$400.00');
    const csv = await admin.get(`/console/stipends/export.csv?month=${month}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv.text).toContain(',USD,20000,');
    const paid = await admin.post(`/console/stipends/${physicianId}/paid`, { month });
    expect(paid.status).toBe(303);
    const [{ unpaid }] = await db().forTenant(a.id, (tx) =>
      tx.query('SELECT count(*)::int AS unpaid FROM stipend_entries WHERE paid_at IS NULL'),
    );
    expect(unpaid).toBe(0);
    const audit = await db().forTenant(a.id, (tx) =>
      tx.query(`SELECT actor_id, outcome FROM audit_events WHERE action = 'stipend.mark_paid' AND entity_id = $1`, [physicianId]),
    );
    expect(audit).toEqual([{ actor_id: peopleA.admin.id, outcome: 'allowed' }]);
    expect((await admin.get(`/console/stipends?month=${month}`)).text).toContain('All paid');
    // Coordinators and physicians do not see stipends; the other hospital's admin sees none of these.
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.get('/console/stipends')).status).toBe(403);
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, peopleB.admin);
    expect((await adminB.get(`/console/stipends?month=${month}`)).text).not.toContain(`Doctor ${a.slug.slice(2)}`);
  });

  it('invites the local physician by a link that opens that one opinion and nothing else', async () => {
    const { c, opinionId } = await signedCase({
      jurisdiction: 'US-CA',
      localPhysician: { name: 'Dr. Local', email: 'local.doctor@example.org' },
    });
    const other = await signedCase({
      jurisdiction: 'US-CA',
      localPhysician: { name: 'Dr. Local', email: 'local.doctor@example.org' },
    });
    await app.get(OpinionDelivery).deliver(tenantA, opinionId);
    await app.get(OpinionDelivery).deliver(tenantA, opinionId);
    const mails = await db().forTenant(a.id, (tx) =>
      tx.query(
        `SELECT data FROM outbound_emails WHERE template = 'local-physician-invitation' AND to_address = 'local.doctor@example.org'`,
      ),
    );
    expect(mails).toHaveLength(1);
    const token = mails[0].data.token as string;
    const visitor = new WebClient(app, a.host);
    const page = await visitor.get(`/shared-opinion/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('CANARY-SUMMARY');
    expect(page.text).toContain(c.number);
    expect(page.text).not.toContain(other.c.number);
    const pdf = await visitor.get(`/shared-opinion/${token}/letter.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    // Nothing else: another path under the link, a wrong token, the same token at another hospital, the portal.
    expect((await visitor.get(`/shared-opinion/${token}/records`)).status).toBe(404);
    expect((await visitor.get(`/shared-opinion/${token.slice(0, -2)}xx`)).status).toBe(404);
    expect((await new WebClient(app, b.host).get(`/shared-opinion/${token}`)).status).toBe(404);
    expect((await visitor.get(`/account/cases/${c.id}/opinion`)).status).not.toBe(200);
    expect((await visitor.get(`/console/cases/${c.id}`)).status).not.toBe(200);
    // A direct route invites nobody.
    const direct = await signedCase({ localPhysician: { name: 'Dr. Other', email: 'other.doctor@example.org' } });
    await app.get(OpinionDelivery).deliver(tenantA, direct.opinionId);
    const none = await db().forTenant(a.id, (tx) =>
      tx.query(`SELECT 1 FROM outbound_emails WHERE to_address = 'other.doctor@example.org'`),
    );
    expect(none).toEqual([]);
  });
});
