import { Case, FollowUps } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { localTime } from '../../libs/billing/src/payments/http/extras.controllers';
import { actAs, asStaff, createTestCase, TestCase } from '../support/cases';
import { operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Paid extras after delivery: another follow-up question, a video consult, each its own payment captured at once. */
describe('paid extras after delivery', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    db = app.get(TenantDatabase);
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query('UPDATE offerings SET extra_follow_up_price_minor = 7500, video_consult_price_minor = 25000 WHERE tenant_id = $1', [a.id]),
      );
  });

  afterAll(() => app.close());

  /** A case of tenant A delivered by the product; by default its included follow-up question asked and answered. */
  async function deliveredCase(state: 'delivered' | 'closed' | 'triage' = 'delivered'): Promise<TestCase> {
    if (state !== 'delivered') return createTestCase(app, a, { state });
    const c = await createTestCase(app, a, { state: 'follow_up' });
    await actAs(app, a, asStaff(peopleA.physician, 'physician'), async () => {
      const [asked] = await app.get(FollowUps).list(c.id);
      await app.get(FollowUps).answer(c.id, asked.id, 'No need to repeat it.');
    });
    return { ...c, state: 'delivered' };
  }

  async function pay(patient: WebClient, checkoutUrl: string): Promise<void> {
    const path = new URL(checkoutUrl).pathname;
    await patient.get(path);
    expect((await patient.post(`${path}/authorize`)).status).toBe(303);
  }

  it('sells one more follow-up question when the included ones are used, and captures it at once', async () => {
    const c = await deliveredCase();
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const portal = await patient.get(`/account/cases/${c.id}`);
    expect(portal.text).toContain(`/account/cases/${c.id}/extras`);
    const page = await patient.get(`/account/cases/${c.id}/extras`);
    expect(page.text).toContain('Another follow-up question · $75.00');
    expect(page.text).toContain('Video consult with the specialist · $250.00');

    const bought = await patient.post(`/account/cases/${c.id}/extras`, { kind: 'follow_up' });
    expect(bought.status).toBe(303);
    await pay(patient, bought.location!);

    const after = await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }));
    expect(after).toMatchObject({ state: 'delivered', followUpsIncluded: 2, followUpsUsed: 1 });
    const [payment] = await operatorQuery<{ purpose: string; status: string; captured_minor: number; attempt: number }>(
      app,
      `SELECT purpose, status, captured_minor, attempt FROM payments WHERE case_id = $1 AND purpose = 'extra'`,
      [c.id],
    );
    expect(payment).toMatchObject({ purpose: 'extra', status: 'captured', captured_minor: 7500 });
    // Paid for: the offer goes, the question can be asked.
    const again = await patient.get(`/account/cases/${c.id}/extras`);
    expect(again.text).not.toContain('Another follow-up question · $75.00');
    expect(again.text).toContain('Paid');
    expect(await operatorQuery(app, `SELECT type FROM case_events WHERE case_id = $1 AND type = 'extra_paid'`, [c.id])).toHaveLength(1);
    // The revenue report counts it.
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, peopleA.admin);
    expect((await admin.get('/console/revenue')).text).toContain(c.number);
  });

  it('books a video consult that coordinators schedule in the hospital’s time zone, one open at a time', async () => {
    const c = await deliveredCase('closed');
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const page = await patient.get(`/account/cases/${c.id}/extras`);
    expect(page.text).not.toContain('Another follow-up question ·'); // closed: no more questions
    const bought = await patient.post(`/account/cases/${c.id}/extras`, { kind: 'video_consult' });
    await pay(patient, bought.location!);
    expect((await patient.post(`/account/cases/${c.id}/extras`, { kind: 'video_consult' })).status).toBe(400);

    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const queue = await coordinator.get('/console/extras');
    expect(queue.text).toContain(c.number);
    const [extra] = await operatorQuery<{ id: string }>(app, `SELECT id FROM case_extras WHERE case_id = $1`, [c.id]);
    const bad = await coordinator.post(`/console/extras/${extra.id}/schedule`, { scheduled_for: 'next tuesday' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a date and time');
    expect((await coordinator.post(`/console/extras/${extra.id}/schedule`, { scheduled_for: '2099-01-15T14:30' })).status).toBe(303);
    const [scheduled] = await operatorQuery<{ status: string; scheduled_for: Date }>(
      app,
      `SELECT status, scheduled_for FROM case_extras WHERE id = $1`,
      [extra.id],
    );
    // 14:30 in New York in January is 19:30 UTC.
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.scheduled_for.toISOString()).toBe('2099-01-15T19:30:00.000Z');
    await coordinator.get('/console/extras');
    expect((await coordinator.post(`/console/extras/${extra.id}/done`)).status).toBe(303);
  });

  it('offers nothing before delivery, sells nothing to staff, and shows tenant B nothing (404)', async () => {
    const c = await deliveredCase('triage');
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    expect((await patient.get(`/account/cases/${c.id}/extras`)).text).toContain('No extras are available');
    expect((await patient.post(`/account/cases/${c.id}/extras`, { kind: 'video_consult' })).status).toBe(400);

    const delivered = await deliveredCase();
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, peopleB.patient);
    expect((await patientB.get(`/account/cases/${delivered.id}/extras`)).status).toBe(404);
    await patientB.get('/account');
    expect((await patientB.post(`/account/cases/${delivered.id}/extras`, { kind: 'follow_up' })).status).toBe(404);
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    expect((await coordinatorB.get('/console/extras')).text).not.toContain(delivered.number);
    const [extra] = await operatorQuery<{ id: string }>(app, `SELECT id FROM case_extras WHERE tenant_id = $1 LIMIT 1`, [a.id]);
    expect((await coordinatorB.post(`/console/extras/${extra.id}/done`)).status).toBe(404);
    expect(
      await operatorQuery(app, `SELECT count(*)::int AS n FROM payments WHERE case_id = $1 AND purpose = 'extra'`, [delivered.id]),
    ).toEqual([{ n: 0 }]);
  });

  it('reads a wall-clock time in a zone across daylight saving', () => {
    expect(localTime('2027-07-01T09:00', 'America/New_York')!.toISOString()).toBe('2027-07-01T13:00:00.000Z');
    expect(localTime('2027-02-30T09:00', 'America/New_York')).toBeUndefined();
    expect(localTime('soon', 'UTC')).toBeUndefined();
  });
});
