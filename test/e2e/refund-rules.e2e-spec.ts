import { DemoProvider, FundingBudgets, Payment, PAYMENT_PROVIDER, PaymentEvents, RuleRefunds } from '@consilium/billing';
import { CaseReview } from '@consilium/cases';
import { Clock, TenantDatabase } from '@consilium/core';
import { BlueprintExporter, blueprintSchema } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actAs, advanceTestCase, asStaff, createTestCase, readCase } from '../support/cases';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { checkout, createFundingProgram, draftCase } from '../support/payments';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Friday, 10:00 in New York: the opinion (five business days) is promised for Friday 4 December, 10:00. */
const FRIDAY = Date.parse('2026-11-27T15:00:00Z');
const REFUNDS = {
  late: [
    { after_days: 2, percent: 50 },
    { after_days: 5, percent: 100 },
  ],
};

/**
 * Refunds by rule: the hospital's late rules in its blueprint, applied by the `refund-rule` job through the demo
 * provider when the opinion is late by their days; idempotent, the case and its review kept, the patient told,
 * on the revenue report. Nothing by rule while paused for records or after delivery. Time is the app's Clock.
 */
describe('refunds by rule', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let now: number;

  const at = (ms: number) => {
    now = ms;
  };
  const payment = (caseId: string) =>
    app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId, purpose: 'opinion' }));
  const refunds = () => app.get(RuleRefunds);

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'], refunds: REFUNDS } }));
    now = Date.now();
    jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(now));
  });

  afterAll(() => app.close());

  it('keeps the rules in the blueprint, and refuses rules for an offering the hospital does not have', async () => {
    const exported = (await app.get(BlueprintExporter).export(a.slug))!.blueprint;
    expect(exported.refunds).toEqual({ ...REFUNDS, offerings: {} });
    const wrong = blueprintSchema.safeParse(testBlueprint('t-wrong', { refunds: { late: [], offerings: { 'no-such': { late: [] } } } }));
    expect(wrong.success).toBe(false);
    expect(JSON.stringify(wrong.error!.issues)).toContain('no offering \\"no-such\\" under offerings');
    const percent = blueprintSchema.safeParse(testBlueprint('t-wrong', { refunds: { late: [{ after_days: 1, percent: 150 }] } }));
    expect(percent.success).toBe(false);
  });

  it('lets an admin set the hospital’s rules in the console, refusing a wrong percent beside its field', async () => {
    const admin = new WebClient(app, b.host);
    await signInStaff(admin, b.people.admin);
    const form = (rows: Record<string, string>) => ({
      color_primary: '#123456',
      color_accent: '#abcdef',
      color_text: '#1a1a1a',
      color_background: '#ffffff',
      font_heading: 'system-ui, sans-serif',
      font_body: 'system-ui, sans-serif',
      ...rows,
    });
    expect((await admin.get('/console/branding')).text).toContain('name="late_refund_0_days"');
    const refused = await admin.post('/console/branding', form({ late_refund_0_days: '3', late_refund_0_percent: '150' }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="f-late_refund_0_percent-error"');
    expect(refused.text).toContain('Enter a whole percent from 1 to 100.');
    expect(refused.text).toContain('value="150"');
    const saved = await admin.post(
      '/console/branding',
      form({ late_refund_0_days: '7', late_refund_0_percent: '100', late_refund_1_days: '3', late_refund_1_percent: '25' }),
    );
    expect(saved.status).toBe(303);
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint.refunds).toEqual({
      late: [
        { after_days: 3, percent: 25 },
        { after_days: 7, percent: 100 },
      ],
      offerings: {},
    });
    const page = await admin.get('/console/branding');
    expect(page.text).toContain('name="late_refund_1_days" type="text" value="7"');
    // Clearing a row removes its rule; the other hospital's rules never changed.
    await admin.post('/console/branding', form({ late_refund_0_days: '3', late_refund_0_percent: '25' }));
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint.refunds!.late).toEqual([{ after_days: 3, percent: 25 }]);
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.refunds).toEqual({ ...REFUNDS, offerings: {} });
  });

  it("lets an admin give one offering its own rules, or none, and back to the hospital's, beside the field when wrong", async () => {
    const admin = new WebClient(app, b.host);
    await signInStaff(admin, b.people.admin);
    const list = await admin.get('/console/refunds');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`href="/console/refunds/offerings/${b.offeringSlug}"`);
    const edit = `/console/refunds/offerings/${b.offeringSlug}`;
    expect((await admin.get(edit)).text).toContain('id="f-own-hospital" type="radio" name="own" value="hospital" checked');

    const refused = await admin.post(edit, { own: 'own', late_refund_0_days: 'soon', late_refund_0_percent: '40' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="f-late_refund_0_days-error"');
    expect(refused.text).toContain('Enter a whole number of business days from 0 to 365.');
    expect(refused.text).toContain('value="soon"');
    expect(refused.text).toContain('value="40"');

    const saved = await admin.post(edit, { own: 'own', late_refund_0_days: '1', late_refund_0_percent: '40' });
    expect(saved).toMatchObject({ status: 303, location: `/console/refunds?saved=${b.offeringSlug}` });
    expect((await admin.get(`/console/refunds?saved=${b.offeringSlug}`)).text).toContain('More than 1 business day late: 40% refunded');
    const exported = async () => (await app.get(BlueprintExporter).export(b.slug))!.blueprint.refunds;
    expect((await exported())!.offerings).toEqual({ [b.offeringSlug]: { late: [{ after_days: 1, percent: 40 }] } });

    // Its own, with no rule at all: this offering refunds nothing for lateness, whatever the hospital's rules say.
    await admin.post(edit, { own: 'own' });
    const none = (await exported())!.offerings!;
    expect(Object.keys(none)).toEqual([b.offeringSlug]);
    expect(none[b.offeringSlug].late ?? []).toEqual([]);
    expect((await admin.get('/console/refunds')).text).toContain('No refund for lateness.');
    // Back to the hospital's rules.
    await admin.post(edit, { own: 'hospital', late_refund_0_days: '9', late_refund_0_percent: '10' });
    expect((await exported())?.offerings ?? {}).toEqual({});

    // An offering the hospital does not sell, or another hospital's, is not there.
    expect((await admin.get('/console/refunds/offerings/no-such-offering')).status).toBe(404);
    expect((await admin.post('/console/refunds/offerings/no-such-offering', { own: 'hospital' })).status).toBe(404);
    const audited = await app
      .get(TenantDatabase)
      .forTenant(b.id, (tx) => tx.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'payments.refund_rules_update'`));
    expect(audited[0].n).toBeGreaterThanOrEqual(3);
    // Staff who may not edit the site cannot change them.
    const coordinator = new WebClient(app, b.host);
    await signInStaff(coordinator, b.people.coordinator);
    expect((await coordinator.get('/console/refunds')).status).toBe(403);
  });

  it('refunds half when two business days late and the rest when five, once each, keeping the case under review', async () => {
    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'assigned' });
    const promised = (await readCase(app, a, c.id)).promisedBy!.getTime();
    expect(new Date(promised).toISOString()).toBe('2026-12-04T15:00:00.000Z');
    const [{ jobs }] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT count(*)::int AS jobs FROM pgboss.job WHERE name = 'refund-rule' AND data->>'caseId' = $1`, [c.id]),
      );
    expect(jobs).toBe(2);
    const captured = (await payment(c.id)).capturedMinor;
    expect(captured).toBeGreaterThan(0);

    at(promised + DAY);
    expect(await refunds().apply(a.id, c.id)).toBe('nothing');
    // Promised on a Friday: the weekend is no lateness. Two business days late is Tuesday afternoon.
    at(promised + 2 * DAY + HOUR);
    expect(await refunds().apply(a.id, c.id)).toBe('nothing');
    at(promised + 4 * DAY + HOUR);
    expect(await refunds().apply(a.id, c.id)).toBe('refunded');
    expect(await refunds().apply(a.id, c.id)).toBe('nothing'); // a retried job refunds nothing more
    expect((await payment(c.id)).refundedMinor).toBe(Math.floor(captured / 2));
    expect((await readCase(app, a, c.id)).state).toBe('assigned');

    at(promised + 6 * DAY + HOUR);
    expect(await refunds().apply(a.id, c.id)).toBe('nothing');
    at(promised + 7 * DAY + HOUR);
    const [first, second] = await Promise.all([refunds().apply(a.id, c.id), refunds().apply(a.id, c.id)]);
    expect([first, second].sort()).toEqual(['nothing', 'refunded']); // two at once take turns
    expect((await payment(c.id)).refundedMinor).toBe(captured);
    expect((await readCase(app, a, c.id)).state).toBe('assigned');

    const paymentId = (await payment(c.id)).id;
    const reasons = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ reason: string; amount_minor: number }[]> =>
        tx.query('SELECT reason, amount_minor FROM payment_refunds WHERE payment_id = $1 ORDER BY created_at', [paymentId]),
      );
    expect(reasons.map((r) => r.reason)).toEqual(['refund-rule:late-2d-50pct', 'refund-rule:late-5d-100pct']);
    const audited = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT outcome FROM audit_events WHERE action = 'payment.refund_by_rule' AND entity_id = $1`, [c.id]),
      );
    expect(audited).toEqual([{ outcome: 'allowed' }, { outcome: 'allowed' }]);
    const told = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT to_address FROM outbound_emails WHERE template = 'refund-issued' AND data->>'caseId' = $1`, [c.id]),
      );
    expect(told).toEqual([{ to_address: a.people.patient.email }, { to_address: a.people.patient.email }]);

    // On the revenue report: the payment's receipt shows what was refunded.
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const receipt = await admin.get(`/console/revenue/payments/${(await payment(c.id)).id}`);
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain(`<dt>Refunded</dt><dd>$${(captured / 100).toFixed(2)}`);
    // The patient's receipt states the rules, in their language.
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const own = await patient.get(`/account/receipts/${paymentId}`);
    expect(own.text).toContain(
      'If your opinion is more than 2 business days later than promised, 50% of what you paid is refunded automatically.',
    );
    expect((await patient.get(`/account/receipts/${paymentId}?lang=es`)).text).toContain(
      'Si su opinión llega más de 5 días hábiles después de la fecha prometida, se le reembolsa automáticamente el 100 % de lo que pagó.',
    );
    // The other hospital can neither see nor refund it.
    expect(await refunds().apply(b.id, c.id)).toBe('nothing');
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, b.people.admin);
    expect((await adminB.get(`/console/revenue/payments/${(await payment(c.id)).id}`)).status).toBe(404);
  });

  it("gives a fund's share back to the fund and the patient's share to the card, once per rule", async () => {
    const programId = await createFundingProgram(app, a);
    const db = app.get(TenantDatabase);
    await db.forTenant(a.id, (tx) => app.get(FundingBudgets).setBudget(tx, a.id, programId, 'USD', 100_000));
    const funded = async (total: number, fund: number) => {
      at(FRIDAY);
      const draft = await draftCase(app, a, a.people.patient.id, {
        subtotal: total + fund,
        total,
        funding: { programId, name: 'Charity care', amount: fund },
      });
      await checkout(app, a, draft);
      const pending = await payment(draft.id);
      if (pending.status === 'pending') {
        const demo = app.get<DemoProvider>(PAYMENT_PROVIDER);
        for (const event of demo.authorizationEvents(pending)) await app.get(PaymentEvents).process(event);
      }
      return advanceTestCase(app, a, { id: draft.id, number: draft.number, state: 'submitted' }, 'assigned');
    };
    // One case the fund paid for in full, one it shared with the patient's card.
    const whole = await funded(0, 10_000);
    const shared = await funded(4_000, 6_000);
    const spent = async () =>
      (await db.forTenant(a.id, (tx) => app.get(FundingBudgets).report(tx))).find((r) => r.programId === programId)!;
    expect(await spent()).toMatchObject({ spentMinor: 16_000, creditedMinor: 0 });
    const promised = (await readCase(app, a, whole.id)).promisedBy!.getTime();

    at(promised + 4 * DAY + HOUR); // two business days late
    expect(await refunds().apply(a.id, whole.id)).toBe('refunded');
    expect(await refunds().apply(a.id, whole.id)).toBe('nothing');
    expect(await refunds().apply(a.id, shared.id)).toBe('refunded');
    expect(await spent()).toMatchObject({ spentMinor: 16_000 - 5_000 - 3_000, creditedMinor: 8_000 });
    expect((await payment(shared.id)).refundedMinor).toBe(2_000);
    expect((await payment(whole.id)).refundedMinor).toBe(0);

    at(promised + 7 * DAY + HOUR); // five
    await Promise.all([refunds().apply(a.id, whole.id), refunds().apply(a.id, whole.id), refunds().apply(a.id, shared.id)]);
    expect(await spent()).toMatchObject({ spentMinor: 0, creditedMinor: 16_000 });
    expect((await payment(shared.id)).refundedMinor).toBe(4_000);
    const ledger = await db.forTenant(a.id, (tx): Promise<{ step: string; amount_minor: string }[]> =>
      tx.query(`SELECT step, amount_minor FROM funding_ledger WHERE case_id = $1 AND kind = 'credit' ORDER BY created_at`, [whole.id]),
    );
    expect(ledger).toEqual([
      { step: 'late-2d-50pct', amount_minor: '5000' },
      { step: 'late-5d-100pct', amount_minor: '5000' },
    ]);
    const audited = await db.forTenant(a.id, (tx) =>
      tx.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'funding.credit_by_rule' AND entity_id = $1`, [whole.id]),
    );
    expect(audited).toEqual([{ n: 2 }]);
    // The funding page shows what came back; the other hospital's rules cannot touch the case.
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    expect((await admin.get('/console/funding')).text).toContain('Given back by refund rules');
    expect(await refunds().apply(b.id, whole.id)).toBe('nothing');
  });

  it('refunds nothing by rule while paused for records, or once the opinion is delivered', async () => {
    at(FRIDAY);
    const paused = await createTestCase(app, a, { state: 'assigned' });
    const promised = (await readCase(app, a, paused.id)).promisedBy!.getTime();
    at(promised - DAY);
    await actAs(app, a, asStaff(a.people.coordinator, 'coordinator'), () => app.get(CaseReview).askForRecords(paused.id, 'One more scan'));
    at(promised + 3 * DAY);
    expect(await refunds().apply(a.id, paused.id)).toBe('nothing');

    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'assigned' });
    at(promised + 3 * DAY);
    await advanceTestCase(app, a, { ...c, state: 'assigned' }, 'delivered');
    expect(await refunds().apply(a.id, c.id)).toBe('nothing');
    expect((await payment(c.id)).refundedMinor).toBe(0);
  });
});
