import { Case, CasePipeline, CasesModule } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { OpinionsModule } from '@consilium/opinions';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestPeople, createTestTenant, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

describe('after delivery: follow-ups and conversions', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  let peopleA: TestPeople;
  let peopleB: TestPeople;

  /** A case already delivered, with one follow-up round included. Events are written as the pipeline would. */
  async function deliveredCase(): Promise<Case> {
    const db = app.get(TenantDatabase);
    const pipeline = app.get(CasePipeline);
    return db.forTenant(a.id, async (tx) => {
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
          followUpsIncluded: 1,
          assignedPhysicianId: peopleA.physician.id,
        }),
      );
      const staff = { actor: { id: peopleA.coordinator.id, kind: 'staff' as const, roles: ['coordinator'] } };
      await pipeline.move(tx, c.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: peopleA.patient.id, kind: 'patient', roles: [] },
      });
      await pipeline.move(tx, c.id, 'start_triage', 'system');
      await pipeline.move(tx, c.id, 'accept', 'coordinator', staff);
      await pipeline.move(tx, c.id, 'assign', 'coordinator', staff);
      await pipeline.move(tx, c.id, 'begin_review', 'physician', {
        actor: { id: peopleA.physician.id, kind: 'staff', roles: ['physician'] },
      });
      await pipeline.move(tx, c.id, 'sign_opinion', 'physician', {
        facts: { opinionSigned: true },
        actor: { id: peopleA.physician.id, kind: 'staff', roles: ['physician'] },
      });
      await pipeline.move(tx, c.id, 'deliver', 'system');
      return c;
    });
  }

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, CasesModule, OpinionsModule],
        providers: [{ provide: AccountMail, useClass: RecordingAccountMail }],
      },
    );
    a = await createTestTenant(app);
    b = await createTestTenant(app);
    peopleA = await createTestPeople(app, a);
    peopleB = await createTestPeople(app, b);
  });

  afterAll(() => app.close());

  it('lets the patient ask the included follow-up round, and no more; the assigned physician answers', async () => {
    const c = await deliveredCase();
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const page = await patient.get(`/account/cases/${c.id}`);
    expect(page.text).toContain('Your opinion includes 1 more follow-up question.');
    expect((await patient.post(`/account/cases/${c.id}/follow-ups`, { question: '  ' })).status).toBe(400);
    expect((await patient.post(`/account/cases/${c.id}/follow-ups`, { question: 'Can I wait a month before starting?' })).status).toBe(303);
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
    const ws = await physician.get(`/console/reviews/${c.id}`);
    expect(ws.text).toContain('Can I wait a month before starting?');
    const followUpId = /follow-ups\/([0-9a-f-]{36})"/.exec(ws.text)![1];
    expect(
      (await physician.post(`/console/reviews/${c.id}/follow-ups/${followUpId}`, { answer: 'Yes, up to four weeks is safe.' })).status,
    ).toBe(303);
    const after = await patient.get(`/account/cases/${c.id}`);
    expect(after.text).toContain('Yes, up to four weeks is safe.');
    expect(after.text).not.toMatch(/more follow-up questions?\./);
    const again = await patient.post(`/account/cases/${c.id}/follow-ups`, { question: 'One more?' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('no follow-up questions remain');
  });

  it('records conversions by hand and by CSV import, reporting every bad row and importing nothing then', async () => {
    const c1 = await deliveredCase();
    const c2 = await deliveredCase();
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    await coordinator.get(`/console/cases/${c1.id}`);
    expect(
      (await coordinator.post(`/console/cases/${c1.id}/conversions`, { kind: 'consult_booked', occurred_on: '2026-12-01' })).location,
    ).toContain('recorded=1');
    const bad = await coordinator.post(`/console/cases/${c1.id}/conversions`, { kind: 'consult_booked', occurred_on: 'soon' });
    expect(decodeURIComponent(bad.location!)).toContain('date: must be a date like 2026-03-31');

    await coordinator.get('/console/conversions/import');
    const csv = [
      'case_number,kind,date,value',
      `${c1.number},procedure_done,2026-12-15,"12,500.00"`,
      `${c2.number},surgery,2026-12-15,`,
      `NOPE-2026-000001,consult_booked,2026-12-15,`,
      `${c2.number},procedure_scheduled,2026-13-45,`,
    ].join('\n');
    const failed = await coordinator.post('/console/conversions/import', { csv });
    expect(failed.status).toBe(400);
    expect(failed.text).toContain('Line 3: kind: must be one of consult_booked, procedure_scheduled, procedure_done');
    expect(failed.text).toContain('Line 4: No case numbered &quot;NOPE-2026-000001&quot; at this hospital.');
    expect(failed.text).toContain('Line 5: date: must be a date like 2026-03-31');
    const good = [csv.split('\n')[0], csv.split('\n')[1], `${c2.number},procedure_scheduled,2026-12-20,`].join('\n');
    expect((await coordinator.post('/console/conversions/import', { csv: good })).text).toContain('Imported 2 row(s)');
    expect((await coordinator.post('/console/conversions/import', { csv: good })).text).toContain('Imported 0 row(s); 2 already imported');
    const rows = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT kind, value_minor::int AS value, source FROM conversions WHERE case_id = $1 ORDER BY recorded_at`, [c1.id]),
      );
    expect(rows).toEqual([
      { kind: 'consult_booked', value: null, source: 'manual' },
      { kind: 'procedure_done', value: 1250000, source: 'import' },
    ]);
  });

  it('asks at 30 and 90 days whether the patient acted on the advice, once each, only when due', async () => {
    const c = await deliveredCase();
    const { CheckIns } = await import('@consilium/cases');
    await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(CheckIns).schedule(tx, c, new Date(Date.now() - 31 * 86400000)));
    await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(CheckIns).schedule(tx, c, new Date(Date.now() - 31 * 86400000)));
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const page = await patient.get(`/account/cases/${c.id}`);
    expect(page.text).toContain('How are things, 30 days on?');
    expect(page.text).not.toContain('90 days on');
    const incomplete = await patient.post(`/account/cases/${c.id}/check-ins/30`, { acted_on_advice: 'yes' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.text).toContain('Choose a number from 1 to 5.');
    expect((await patient.post(`/account/cases/${c.id}/check-ins/30`, { acted_on_advice: 'partly', satisfaction: '4' })).status).toBe(303);
    expect((await patient.post(`/account/cases/${c.id}/check-ins/30`, { acted_on_advice: 'yes', satisfaction: '5' })).status).toBe(400);
    expect((await patient.post(`/account/cases/${c.id}/check-ins/90`, { acted_on_advice: 'yes', satisfaction: '5' })).text).toContain(
      'not due yet',
    );
    const rows = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query('SELECT day, acted_on_advice, satisfaction FROM case_check_ins WHERE case_id = $1 ORDER BY day', [c.id]),
      );
    expect(rows).toEqual([
      { day: 30, acted_on_advice: 'partly', satisfaction: 4 },
      { day: 90, acted_on_advice: null, satisfaction: null },
    ]);
  });

  it("cannot record against or import into another hospital's case", async () => {
    const c = await deliveredCase();
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    await coordinatorB.get('/console/conversions/import');
    expect(
      (await coordinatorB.post(`/console/cases/${c.id}/conversions`, { kind: 'consult_booked', occurred_on: '2026-12-01' })).status,
    ).toBe(404);
    const res = await coordinatorB.post('/console/conversions/import', {
      csv: `case_number,kind,date\n${c.number},consult_booked,2026-12-01`,
    });
    expect(res.text).toContain(`Line 2: No case numbered &quot;${c.number}&quot; at this hospital.`);
  });
});
