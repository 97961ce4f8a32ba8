import { Case, CasePipeline, CasesModule } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { OpinionDelivery, OpinionsModule } from '@consilium/opinions';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
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

  /** A case signed by the tenant's physician (the opinion written straight to the table), ready for delivery. */
  async function signedCase(extra: Partial<Case> = {}): Promise<{ c: Case; opinionId: string }> {
    const pipeline = app.get(CasePipeline);
    return db().forTenant(a.id, async (tx) => {
      const c = await tx.save(
        Case,
        tx.create(Case, {
          tenantId: a.id,
          number: await pipeline.nextNumber(tx, a.id, 'TST'),
          state: 'draft',
          patientId: peopleA.patient.id,
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
          questions: [],
          ...extra,
        }),
      );
      const coordinator = { actor: { id: peopleA.coordinator.id, kind: 'staff' as const, roles: ['coordinator'] } };
      const physician = { actor: { id: peopleA.physician.id, kind: 'staff' as const, roles: ['physician'] } };
      await pipeline.move(tx, c.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: peopleA.patient.id, kind: 'patient', roles: [] },
      });
      await pipeline.move(tx, c.id, 'start_triage', 'system');
      await pipeline.move(tx, c.id, 'accept', 'coordinator', coordinator);
      await tx.update(Case, { tenantId: a.id, id: c.id }, { assignedPhysicianId: peopleA.physician.id });
      await pipeline.move(tx, c.id, 'assign', 'coordinator', coordinator);
      await pipeline.move(tx, c.id, 'begin_review', 'physician', physician);
      const [opinion] = await tx.query(
        `INSERT INTO opinions (tenant_id, case_id, version, status, diagnosis_agreement, treatment_changed, recommendations, patient_summary, author_id, signed_by, signed_at)
         VALUES ($1, $2, 1, 'signed', 'confirmed', false, 'Keep going.', 'All is well: CANARY-SUMMARY.', $3, $3, now()) RETURNING id`,
        [a.id, c.id, peopleA.physician.id],
      );
      await pipeline.move(tx, c.id, 'sign_opinion', 'physician', { facts: { opinionSigned: true }, ...physician });
      return { c, opinionId: opinion.id };
    });
  }

  const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: tenantA.timeZone }).format(new Date());

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, CasesModule, OpinionsModule],
        providers: [{ provide: AccountMail, useClass: RecordingAccountMail }],
      },
    );
    ({ a, b } = await createTwoHospitals(app));
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
      route: 'physician_to_physician',
      localPhysician: { name: 'Dr. Local', email: 'local.doctor@example.org' },
    });
    const other = await signedCase({
      route: 'physician_to_physician',
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
