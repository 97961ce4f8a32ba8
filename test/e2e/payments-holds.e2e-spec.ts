import { HOLD_VALID_MS, Payment } from '@consilium/billing';
import { Case, CaseReview } from '@consilium/cases';
import { Clock, TenantDatabase, Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actAs, advanceTestCase, asStaff } from '../support/cases';
import { checkout, connectAccount, draftCase, DraftToPay, operatorQuery } from '../support/payments';
import { expectNoLeaks } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { postSigned, stripeEvent, WEBHOOK_SECRET } from '../support/stripe-events';
import { StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const DAY = 24 * 3600 * 1000;

/** The platform's clock moved nine days on: past a card authorization's ~7 days, as a case waiting for records is. */
function nineDaysLater(app: NestFastifyApplication): void {
  const day9 = new Date(Date.now() + 9 * DAY);
  jest.spyOn(app.get(Clock), 'now').mockReturnValue(day9);
}

function eventsOf(app: NestFastifyApplication, tenantId: string, caseId: string): Promise<{ type: string; actor_kind: string }[]> {
  return operatorQuery(app, 'SELECT type, actor_kind FROM case_events WHERE tenant_id = $1 AND case_id = $2 ORDER BY seq', [
    tenantId,
    caseId,
  ]);
}

function confirmationEmails(app: NestFastifyApplication, tenantId: string, caseId: string) {
  return operatorQuery<{ data: Record<string, unknown>; to_address: string }>(
    app,
    `SELECT data, to_address FROM outbound_emails WHERE tenant_id = $1 AND template = 'payment-confirmation' AND data->>'caseId' = $2`,
    [tenantId, caseId],
  );
}

describe('holds that do not expire: the demo provider', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let a: TestHospital;
  let b: TestHospital;
  let coordinator: WebClient;
  let patient: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    db = app.get(TenantDatabase);
    const locales = { locales: ['en', 'es', 'fr'], default_locale: 'en' };
    ({ a, b } = await createTwoHospitals(app, { a: locales, b: locales }));
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(() => app.close());

  const paymentOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId }));
  const caseOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: caseId }));

  /** The patient pays on the demo checkout page with one of its two test cards; the coordinator starts triage. */
  async function inTriage(card: 'saved' | 'asks'): Promise<DraftToPay> {
    const c = await draftCase(app, a, a.people.patient.id, { total: 95000 });
    const start = await checkout(app, a, c);
    const page = new URL(start.redirectUrl).pathname;
    const shown = await patient.get(page);
    expect(shown.text).toContain('Authorize with a card that asks me later (demo)');
    expect((await patient.post(`${page}/authorize${card === 'asks' ? '?card=asks' : ''}`)).status).toBe(303);
    await coordinator.get(`/console/cases/${c.id}`);
    expect((await coordinator.post(`/console/cases/${c.id}/move`, { move: 'start_triage' })).status).toBe(303);
    return c;
  }

  it('accepts on day 9 by renewing the lapsed hold from the saved card, and charges the new hold', async () => {
    const c = await inTriage('saved');
    const first = await paymentOf(c.id);
    expect(first).toMatchObject({ status: 'authorized', holdRenewedAt: null });
    nineDaysLater(app);
    await coordinator.get(`/console/cases/${c.id}`);
    expect((await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' })).status).toBe(303);
    expect(await caseOf(c.id)).toMatchObject({ state: 'accepted' });
    const after = await paymentOf(c.id);
    expect(after).toMatchObject({ status: 'captured', capturedMinor: 95000, confirmationRequestedAt: null });
    expect(after.paymentIntentId).not.toBe(first.paymentIntentId);
    expect(after.holdRenewedAt).toEqual(app.get(Clock).now());
    expect((await eventsOf(app, a.id, c.id)).map((e) => e.type)).toEqual(expect.arrayContaining(['payment_hold_renewed', 'accept']));
    expect(await confirmationEmails(app, a.id, c.id)).toHaveLength(0);
  });

  it('on day 3 captures the first hold as it is: nothing to renew', async () => {
    const c = await inTriage('asks');
    const first = await paymentOf(c.id);
    jest.spyOn(app.get(Clock), 'now').mockReturnValue(new Date(first.authorizedAt!.getTime() + HOLD_VALID_MS - DAY));
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' });
    expect(await caseOf(c.id)).toMatchObject({ state: 'accepted' });
    expect(await paymentOf(c.id)).toMatchObject({ status: 'captured', paymentIntentId: first.paymentIntentId, holdRenewedAt: null });
  });

  it('on day 9 with a card that asks: the case waits, staff see why, the patient confirms once and the case is accepted', async () => {
    const c = await inTriage('asks');
    nineDaysLater(app);
    await coordinator.get(`/console/cases/${c.id}`);
    expect((await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' })).status).toBe(303);
    // Nothing lost: the case is still in triage, its money still owed, and the coordinator sees what it waits for.
    expect(await caseOf(c.id)).toMatchObject({ state: 'triage' });
    expect(await paymentOf(c.id)).toMatchObject({ status: 'authorized', capturedMinor: 0 });
    expect((await paymentOf(c.id)).confirmationRequestedAt).toBeInstanceOf(Date);
    const console = await coordinator.get(`/console/cases/${c.id}`);
    expect(console.text).toContain('Waiting for the patient to confirm payment');
    expect(console.text).toContain('Patient asked to confirm payment');
    const queue = await coordinator.get('/console/cases');
    const row = queue.text.split('<tr>').find((r) => r.includes(`>${c.number}</a>`));
    expect(row).toContain('<span class="badge badge--denied">waiting for payment</span>');
    // Accepting again asks the bank again, but does not email the patient twice.
    await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' });
    const emails = await confirmationEmails(app, a.id, c.id);
    expect(emails).toHaveLength(1);
    expect(emails[0].data).toEqual({ caseId: c.id });
    expect(emails[0].to_address).toBe(a.people.patient.email);

    // The patient's own page of the request says it waits for them, with the way to confirm.
    const own = await patient.get(`/account/cases/${c.id}`);
    expect(own.text).toContain('your card could not be charged without you');
    expect(own.text).toContain(`href="/account/cases/${c.id}/confirm-payment"`);
    // The email's link: the amount in the patient's language, one button to the payment page.
    const page = await patient.get(`/account/cases/${c.id}/confirm-payment`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('$950.00');
    const toCheckout = await patient.post(`/account/cases/${c.id}/confirm-payment`);
    expect(toCheckout.status).toBe(303);
    const demoPage = new URL(toCheckout.location!).pathname;
    expect(demoPage).toMatch(/^\/pay\/demo\/demo_cs_/);
    expect((await patient.get(demoPage)).text).not.toContain('asks me later');
    await patient.post(`${demoPage}/authorize`);

    expect(await caseOf(c.id)).toMatchObject({ state: 'accepted' });
    expect(await paymentOf(c.id)).toMatchObject({ status: 'captured', capturedMinor: 95000, confirmationRequestedAt: null });
    const events = await eventsOf(app, a.id, c.id);
    expect(events.filter((e) => e.type === 'payment_confirmation_requested')).toHaveLength(1);
    // The patient is then told of the acceptance (a milestone message, its own event): the moves come just before.
    expect(events.filter((e) => e.type !== 'patient_notified').slice(-2)).toEqual([
      { type: 'payment_confirmed', actor_kind: 'system' },
      { type: 'accept', actor_kind: 'system' },
    ]);
    expect((await coordinator.get(`/console/cases/${c.id}`)).text).not.toContain('Waiting for the patient to confirm payment');
    expect((await coordinator.get('/console/cases')).text).not.toContain('waiting for payment');
    expect((await patient.get(`/account/cases/${c.id}/confirm-payment`)).text).toContain('There is nothing to confirm');
    const settled = await patient.get(`/account/cases/${c.id}`);
    expect(settled.text).not.toContain('your card could not be charged without you');
    expect(settled.text).toContain('Payment confirmed');
  });

  it('shows the confirmation page only to the patient whose case it is: another hospital’s people get 404', async () => {
    const c = await inTriage('asks');
    nineDaysLater(app);
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' });
    const other = new WebClient(app, b.host);
    await signInPatient(other, b.people.patient);
    expect((await other.get(`/account/cases/${c.id}/confirm-payment`)).status).toBe(404);
    expect((await other.post(`/account/cases/${c.id}/confirm-payment`)).status).toBe(404);
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, b.people.coordinator);
    expect((await coordinatorB.post(`/console/cases/${c.id}/move`, { move: 'accept' })).status).toBe(404);
    expect(await paymentOf(c.id)).toMatchObject({ status: 'authorized' });
  });

  it.each(['es', 'fr'])(
    'words the waiting notice, the patient’s notice and the confirmation page in %s, with no other language',
    async (locale) => {
      const c = await inTriage('asks');
      nineDaysLater(app);
      await coordinator.get(`/console/cases/${c.id}`);
      await coordinator.post(`/console/cases/${c.id}/move`, { move: 'accept' });
      const translator = app.get(Translator);
      // Data on these pages: the hospital's name (people's names and the case's words are marked translate="no").
      const allow = [a.name, 'Consilium'];
      coordinator.cookies.set('lang', locale);
      patient.cookies.set('lang', locale);
      try {
        const staff = await coordinator.get(`/console/cases/${c.id}`);
        expect(staff.text).toContain(
          locale === 'es' ? 'Esperando a que el paciente confirme el pago' : 'En attente de la confirmation du paiement',
        );
        const own = await patient.get(`/account/cases/${c.id}`);
        expect(own.text).toContain(`href="/account/cases/${c.id}/confirm-payment"`);
        const page = await patient.get(`/account/cases/${c.id}/confirm-payment`);
        expect(page.text).toContain(locale === 'es' ? '<dt>Importe</dt><dd>$950.00</dd>' : '<dt>Montant</dt>');
        for (const [what, html] of [
          ['console case', staff.text],
          ['patient case', own.text],
          ['confirm payment', page.text],
        ])
          expectNoLeaks(html, { locale, translator, allow, page: what });
      } finally {
        coordinator.cookies.delete('lang');
        patient.cookies.delete('lang');
      }
    },
  );
});

// Stripe's API is outside our walls: the real `stripe` SDK against StripeStandIn, which answers in Stripe's format,
// including the 402 card_error an off-session payment gets when the bank wants the customer.
describe('holds that do not expire: Stripe (SDK against a local stand-in for Stripe’s API)', () => {
  const stripe = new StripeStandIn();
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let a: TestHospital;

  beforeAll(async () => {
    const base = await stripe.start();
    app = await createTestApp(
      { STRIPE_SECRET_KEY: 'sk_test_consilium', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: base, PLATFORM_FEE_BPS: '1000' },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    db = app.get(TenantDatabase);
    a = await createTestHospital(app);
    await connectAccount(app, a, 'acct_holds_test', { feeBps: 1500 });
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await app.close();
    await stripe.stop();
  });

  const paymentOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId }));
  const caseOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: caseId }));
  const accept = (caseId: string) =>
    actAs(app, a, asStaff(a.people.coordinator, 'coordinator'), () => app.get(CaseReview).move(caseId, 'accept'));

  /** Checkout, then Stripe's webhooks for a card saved as `card` (cus_ + pm_), then triage. */
  async function inTriage(card: string, total = 80000): Promise<{ c: DraftToPay; pi: string }> {
    const c = await draftCase(app, a, a.people.patient.id, { total });
    await checkout(app, a, c);
    const payment = await paymentOf(c.id);
    const metadata = { tenant_id: a.id, case_id: c.id, payment_id: payment.id };
    const pi = `pi_${payment.id.slice(0, 8)}`;
    stripe.intents.set(pi, { id: pi, amount: total, amount_capturable: total, metadata, payment_method: card, customer: `cus_${card}` });
    await postSigned(
      app,
      stripeEvent('payment_intent.amount_capturable_updated', { id: pi, object: 'payment_intent', amount_capturable: total, metadata }),
    );
    await advanceTestCase(app, a, { ...c, state: 'submitted' }, 'triage');
    return { c, pi };
  }

  it('saves the card at checkout: a customer and setup_future_usage=off_session on the manual-capture intent', async () => {
    const c = await draftCase(app, a, a.people.patient.id, { total: 50000 });
    await checkout(app, a, c);
    const [sent] = stripe.posts(/^\/v1\/checkout\/sessions$/).filter((r) => r.form['metadata[case_id]'] === c.id);
    expect(sent.form).toMatchObject({
      customer_creation: 'always',
      'payment_intent_data[setup_future_usage]': 'off_session',
      'payment_intent_data[capture_method]': 'manual',
    });
  });

  it('accepts on day 9 by re-authorizing off-session with the saved card, then captures the new intent', async () => {
    const { c, pi } = await inTriage('pm_saved_ok');
    // Stripe cancels the lapsed hold on its own; that releases nothing of ours.
    const lapsed = await postSigned(
      app,
      stripeEvent('payment_intent.canceled', { id: pi, object: 'payment_intent', cancellation_reason: 'automatic', metadata: {} }),
    );
    expect(lapsed.body.outcome).toBe('applied');
    expect(await paymentOf(c.id)).toMatchObject({ status: 'authorized' });

    nineDaysLater(app);
    await accept(c.id);
    const [renewal] = stripe.posts(/^\/v1\/payment_intents$/).filter((r) => r.form['metadata[case_id]'] === c.id);
    expect(renewal.idempotencyKey).toBe(`renew:${c.id}:${pi}`);
    expect(renewal.form).toMatchObject({
      amount: '80000',
      currency: 'usd',
      customer: 'cus_pm_saved_ok',
      payment_method: 'pm_saved_ok',
      off_session: 'true',
      confirm: 'true',
      capture_method: 'manual',
      application_fee_amount: '12000',
      'transfer_data[destination]': 'acct_holds_test',
    });
    const payment = await paymentOf(c.id);
    expect(payment.paymentIntentId).not.toBe(pi);
    expect(payment).toMatchObject({ status: 'captured', capturedMinor: 80000 });
    expect(stripe.posts(new RegExp(`/v1/payment_intents/${payment.paymentIntentId}/capture$`))).toHaveLength(1);
    expect(stripe.posts(new RegExp(`/v1/payment_intents/${pi}/capture$`))).toHaveLength(0);
    expect(await caseOf(c.id)).toMatchObject({ state: 'accepted' });
  });

  it('lets the patient cancel on day 9, after Stripe cancelled the lapsed hold itself, without asking Stripe again', async () => {
    const { c, pi } = await inTriage('pm_saved_cancel');
    stripe.intents.set(pi, { ...stripe.intents.get(pi)!, status: 'canceled', cancellation_reason: 'automatic' });
    await postSigned(
      app,
      stripeEvent('payment_intent.canceled', { id: pi, object: 'payment_intent', cancellation_reason: 'automatic', metadata: {} }),
    );
    nineDaysLater(app);
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    await patient.get(`/account/cases/${c.id}/cancel`);
    expect((await patient.post(`/account/cases/${c.id}/cancel`, { confirmed: 'on' })).status).toBe(303);
    expect(await caseOf(c.id)).toMatchObject({ state: 'cancelled' });
    expect(await paymentOf(c.id)).toMatchObject({ status: 'released', capturedMinor: 0 });
    expect(stripe.posts(new RegExp(`/v1/payment_intents/${pi}/cancel$`))).toHaveLength(0);
  });

  it.each(['authentication_required', 'card_declined'] as const)(
    'on day 9 when the saved card answers %s: the case waits, the patient confirms on a new checkout, the webhook accepts and captures',
    async (refusal) => {
      const card = `pm_refuses_${refusal}`;
      stripe.refusingCards.set(card, refusal);
      const { c, pi } = await inTriage(card, 60000);
      nineDaysLater(app);
      await accept(c.id);
      expect(await caseOf(c.id)).toMatchObject({ state: 'triage' });
      const waiting = await paymentOf(c.id);
      expect(waiting).toMatchObject({ status: 'authorized', paymentIntentId: pi, capturedMinor: 0 });
      expect(waiting.confirmationRequestedAt).toBeInstanceOf(Date);
      expect(await confirmationEmails(app, a.id, c.id)).toHaveLength(1);
      expect((await eventsOf(app, a.id, c.id)).map((e) => e.type)).toContain('payment_confirmation_requested');

      const patient = new WebClient(app, a.host);
      await signInPatient(patient, a.people.patient);
      await patient.get(`/account/cases/${c.id}/confirm-payment`);
      const toStripe = await patient.post(`/account/cases/${c.id}/confirm-payment`);
      expect(toStripe.location).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
      const [session] = stripe.posts(/^\/v1\/checkout\/sessions$/).filter((r) => r.idempotencyKey?.startsWith(`confirm:${c.id}:`));
      expect(session.idempotencyKey).toBe(`confirm:${c.id}:${waiting.id}:${waiting.confirmationRequestedAt!.getTime()}`);
      expect(session.form['payment_intent_data[setup_future_usage]']).toBe('off_session');

      // The patient completes Stripe's page: its webhooks bring the new authorization.
      const metadata = { tenant_id: a.id, case_id: c.id, payment_id: waiting.id };
      const confirmed = `pi_confirmed_${refusal}`;
      stripe.intents.set(confirmed, {
        id: confirmed,
        amount: 60000,
        amount_capturable: 60000,
        metadata,
        payment_method: 'pm_new',
        customer: `cus_${card}`,
      });
      await postSigned(
        app,
        stripeEvent('payment_intent.amount_capturable_updated', {
          id: confirmed,
          object: 'payment_intent',
          amount_capturable: 60000,
          metadata,
        }),
      );
      expect(await caseOf(c.id)).toMatchObject({ state: 'accepted' });
      expect(await paymentOf(c.id)).toMatchObject({
        status: 'captured',
        capturedMinor: 60000,
        paymentIntentId: confirmed,
        confirmationRequestedAt: null,
      });
      expect(stripe.posts(new RegExp(`/v1/payment_intents/${confirmed}/capture$`))).toHaveLength(1);
    },
  );
});
