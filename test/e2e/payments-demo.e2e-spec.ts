import {
  DemoProvider,
  FundingBudgets,
  FundingExhausted,
  Payment,
  PAYMENT_PROVIDER,
  PaymentsService,
  STRIPE_CLIENT,
} from '@consilium/billing';
import { Case } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import https from 'node:https';
import { advanceTestCase } from '../support/cases';
import { checkout, createFundingProgram, draftCase, operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { signUpPatient } from '../support/sign-up';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

describe('payments with the demo provider (no Stripe key)', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let payments: PaymentsService;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    db = app.get(TenantDatabase);
    payments = app.get(PaymentsService);
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
  });

  afterAll(() => app.close());

  describe('the whole journey: quote, checkout page, authorize, capture, refund', () => {
    let outbound: jest.SpyInstance[];
    beforeEach(() => {
      // No network: any outgoing HTTP request from the app would fail the test.
      outbound = [jest.spyOn(http, 'request'), jest.spyOn(https, 'request')];
    });
    afterEach(() => outbound.forEach((s) => s.mockRestore()));

    it('walks every state on the hospital’s own host, marked as a demo', async () => {
      const c = await draftCase(app, a, peopleA.patient.id, { total: 95000, lines: [{ label: 'Oncology review', amount: 95000 }] });
      const start = await checkout(app, a, c);
      const url = new URL(start.redirectUrl);
      expect(url.host).toBe(`${a.host}:3000`);
      expect(url.pathname).toMatch(/^\/pay\/demo\/demo_cs_[0-9a-f]{24}$/);

      const patient = new WebClient(app, a.host);
      await signInPatient(patient, peopleA.patient);
      const page = await patient.get(url.pathname);
      expect(page.status).toBe(200);
      expect(page.text).toContain('demo: no money moves');
      expect(page.text).toContain('$950.00');
      const authorized = await patient.post(`${url.pathname}/authorize`);
      expect(authorized.status).toBe(303);
      expect(authorized.location).toBe(`/account/receipts/${start.paymentId}?checkout=done`);
      // A second press changes nothing.
      await patient.post(`${url.pathname}/authorize`);
      const afterAuth = await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { id: start.paymentId }));
      expect(afterAuth).toMatchObject({ status: 'authorized', authorizedMinor: 95000, provider: 'demo' });
      expect(afterAuth.paymentIntentId).toMatch(/^demo_pi_/);
      expect(await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }))).toMatchObject({ state: 'submitted' });
      const events = await operatorQuery(app, `SELECT type FROM payment_events WHERE payment_id = $1 ORDER BY type`, [start.paymentId]);
      expect(events).toEqual([{ type: 'checkout.session.completed' }, { type: 'payment_intent.amount_capturable_updated' }]);

      const receipt = await patient.get(authorized.location!);
      expect(receipt.status).toBe(200);
      expect(receipt.text).toContain('Authorized, not charged yet');
      expect(receipt.text).toContain(a.name);
      expect(receipt.text).toContain(c.number);
      // No health information on a receipt: not even the specialty the quote's lines name.
      expect(receipt.text).not.toContain('Oncology');
      expect(page.text).not.toContain('Oncology');

      // The coordinator accepts the case, which captures the authorization.
      await advanceTestCase(app, a, { ...c, state: 'submitted' }, 'accepted');
      const admin = new WebClient(app, a.host);
      await signInStaff(admin, peopleA.admin);
      const revenue = await admin.get('/console/revenue');
      expect(revenue.status).toBe(200);
      expect(revenue.text).toContain(c.number);
      const tooMuch = await admin.post('/console/revenue/refunds', { caseId: c.id, amount: '2000.00', reason: 'Goodwill' });
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.text).toContain('more than what is left to refund');
      expect((await admin.post('/console/revenue/refunds', { caseId: c.id, amount: '150.00', reason: 'Goodwill' })).status).toBe(303);
      expect((await admin.post('/console/revenue/refunds', { caseId: c.id, amount: '', reason: 'Withdrawn' })).status).toBe(303);
      const refunded = await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { id: start.paymentId }));
      expect(refunded).toMatchObject({ status: 'refunded', capturedMinor: 95000, refundedMinor: 95000 });
      expect(await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }))).toMatchObject({ state: 'refunded' });
      const reasons = await db.forTenant(a.id, (tx) =>
        tx.query('SELECT amount_minor, reason FROM payment_refunds WHERE payment_id = $1 ORDER BY amount_minor', [start.paymentId]),
      );
      expect(reasons).toEqual([
        { amount_minor: 15000, reason: 'Goodwill' },
        { amount_minor: 80000, reason: 'Withdrawn' },
      ]);

      const finalReceipt = await patient.get(`/account/receipts/${start.paymentId}`);
      expect(finalReceipt.text).toContain('Refunded');
      expect(finalReceipt.text).toContain('$950.00');
      const csv = await admin.get('/console/revenue/export.csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.text).toContain(`${c.number},${start.paymentId},refunded,USD,95000,0,95000,95000`);
      // The only HTTP requests were the test's own, to the app in this process (supertest on 127.0.0.1).
      for (const spy of outbound) for (const [options] of spy.mock.calls) expect((options as { host?: string }).host).toBe('127.0.0.1');
      expect(app.get(PAYMENT_PROVIDER)).toBeInstanceOf(DemoProvider);
      expect(app.get(STRIPE_CLIENT)).toBeNull();
    });

    it('cancelling the demo checkout leaves the case a draft, and nothing held', async () => {
      const c = await draftCase(app, a, peopleA.patient.id, { total: 10000 });
      const start = await checkout(app, a, c);
      const patient = new WebClient(app, a.host);
      await signInPatient(patient, peopleA.patient);
      const path = new URL(start.redirectUrl).pathname;
      await patient.get(path);
      expect((await patient.post(`${path}/cancel`)).location).toBe('/account?checkout=cancelled');
      expect(await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { id: start.paymentId }))).toMatchObject({
        status: 'failed',
        failureCode: 'checkout_cancelled',
      });
      expect(await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: c.id }))).toMatchObject({ state: 'draft' });
      // A new attempt is possible.
      const again = await checkout(app, a, c);
      expect(again.paymentId).not.toBe(start.paymentId);
    });

    it('a declined case releases its authorization and charges nothing', async () => {
      const c = await draftCase(app, a, peopleA.patient.id, { total: 10000 });
      const start = await checkout(app, a, c);
      const patient = new WebClient(app, a.host);
      await signInPatient(patient, peopleA.patient);
      const path = new URL(start.redirectUrl).pathname;
      await patient.get(path);
      await patient.post(`${path}/authorize`);
      const released = await db.forTenant(a.id, (tx) => payments.release(tx, c.id, 'declined'));
      expect(released).toMatchObject({ status: 'released', capturedMinor: 0 });
      await expect(db.forTenant(a.id, (tx) => payments.capture(tx, c.id))).rejects.toMatchObject({
        code: 'case_not_payable',
        values: { reason: 'not_authorized' },
      });
    });
  });

  describe('tenant isolation', () => {
    let paymentA: string;
    let sessionA: string;

    beforeAll(async () => {
      const c = await draftCase(app, a, peopleA.patient.id, { total: 12000 });
      const start = await checkout(app, a, c);
      paymentA = start.paymentId;
      sessionA = new URL(start.redirectUrl).pathname;
    });

    it("tenant B's patient and admin get 404 for tenant A's receipt and checkout", async () => {
      const patientB = new WebClient(app, b.host);
      await signInPatient(patientB, peopleB.patient);
      expect((await patientB.get(`/account/receipts/${paymentA}`)).status).toBe(404);
      expect((await patientB.get(sessionA)).status).toBe(404);
      const adminB = new WebClient(app, b.host);
      await signInStaff(adminB, peopleB.admin);
      expect((await adminB.get(`/console/revenue/payments/${paymentA}`)).status).toBe(404);
      const revenueB = await adminB.get('/console/revenue');
      expect(revenueB.status).toBe(200);
      expect(revenueB.text).not.toContain(paymentA);
      const refund = await adminB.post('/console/revenue/refunds', {
        caseId: (await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { id: paymentA }))).caseId,
        reason: 'Not mine',
      });
      expect(refund.status).toBe(404);
    });

    it("another patient of the same hospital gets 404 for someone else's receipt; staff pages need their role", async () => {
      const stranger = new WebClient(app, a.host);
      const email = `other.${Date.now()}@example.org`;
      await signUpPatient(stranger, app, a.id, { name: 'Other Patient', email, password: 'a long enough passphrase' });
      expect((await stranger.get(`/account/receipts/${paymentA}`)).status).toBe(404);
      expect((await stranger.get(sessionA)).status).toBe(404);
      expect((await stranger.get('/console/revenue')).status).toBe(403);
      const adminA = new WebClient(app, a.host);
      await signInStaff(adminA, peopleA.admin);
      expect((await adminA.get(`/console/revenue/payments/${paymentA}`)).status).toBe(200);
      const coordinator = new WebClient(app, a.host);
      await signInStaff(coordinator, peopleA.coordinator);
      expect((await coordinator.get('/console/revenue')).status).toBe(403);
    });
  });

  describe('funding budgets', () => {
    it('never overspends or goes negative under 50 concurrent authorizations', async () => {
      const programId = await createFundingProgram(app, a);
      await db.forTenant(a.id, (tx) => app.get(FundingBudgets).setBudget(tx, a.id, programId, 'USD', 200000));
      // Fully funded quotes: authorization happens at once, with the reservation, in 50 parallel transactions.
      const cases = await Promise.all(
        Array.from({ length: 50 }, () =>
          draftCase(app, a, peopleA.patient.id, { subtotal: 10000, total: 0, funding: { programId, name: 'Charity care', amount: 10000 } }),
        ),
      );
      const results = await Promise.allSettled(cases.map((c) => checkout(app, a, c)));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(20);
      expect(refused).toHaveLength(30);
      for (const r of refused) expect(r.reason).toBeInstanceOf(FundingExhausted);
      const report = await db.forTenant(a.id, (tx) => app.get(FundingBudgets).report(tx));
      expect(report.find((p) => p.programId === programId)).toMatchObject({
        budgetMinor: 200000,
        reservedMinor: 200000,
        spentMinor: 0,
        remainingMinor: 0,
        reservations: 20,
      });
      const submitted = await db.forTenant(a.id, (tx) =>
        tx.query(`SELECT count(*)::int AS n FROM cases WHERE id = ANY($1) AND state = 'submitted'`, [cases.map((c) => c.id)]),
      );
      expect(submitted[0].n).toBe(20);

      // Capture spends, release restores: then exactly the released amount can be reserved again.
      const won = cases.filter((_, i) => results[i].status === 'fulfilled');
      await db.forTenant(a.id, async (tx) => {
        for (const c of won.slice(0, 5)) await payments.capture(tx, c.id);
        for (const c of won.slice(5, 8)) await payments.release(tx, c.id, 'declined');
      });
      const more = await Promise.all(
        Array.from({ length: 6 }, () =>
          draftCase(app, a, peopleA.patient.id, { subtotal: 10000, total: 0, funding: { programId, name: 'Charity care', amount: 10000 } }),
        ),
      );
      const second = await Promise.allSettled(more.map((c) => checkout(app, a, c)));
      expect(second.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      const [budget] = await operatorQuery(
        app,
        'SELECT reserved_minor, spent_minor FROM funding_budgets WHERE tenant_id = $1 AND program_id = $2',
        [a.id, programId],
      );
      expect(budget).toEqual({ reserved_minor: String(15 * 10000), spent_minor: String(5 * 10000) });
      const page = await (async () => {
        const admin = new WebClient(app, a.host);
        await signInStaff(admin, peopleA.admin);
        return admin.get('/console/funding');
      })();
      expect(page.status).toBe(200);
      expect(page.text).toContain(programId);
    });
  });
});
