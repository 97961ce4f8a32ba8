import { Payment, PaymentsReconciliation, PaymentsService, ReconciliationSchedule } from '@consilium/billing';
import { Case } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail, OperatorAccounts } from '@consilium/identity';
import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { advanceTestCase } from '../support/cases';
import { checkout, connectAccount, draftCase, operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { postSigned, stripeEvent, WEBHOOK_SECRET } from '../support/stripe-events';
import { StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp } from '../support/test-app';
import { freshCode } from '../support/staff-sign-in';
import { createTestHospital, TEST_PASSWORD, TEST_TOTP_SECRET, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

// Stripe's API is outside our walls: these tests run the real `stripe` SDK against StripeStandIn, a local HTTP
// stand-in for Stripe's API that records requests and answers in Stripe's format. Webhooks are signed offline with
// the SDK's own test header.
describe('payments with Stripe (SDK against a local stand-in for Stripe’s API)', () => {
  const stripe = new StripeStandIn();
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let payments: PaymentsService;
  let a: TestHospital;
  let peopleA: TestPeople;

  beforeAll(async () => {
    const base = await stripe.start();
    app = await createTestApp(
      { STRIPE_SECRET_KEY: 'sk_test_consilium', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: base, PLATFORM_FEE_BPS: '1000' },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    db = app.get(TenantDatabase);
    payments = app.get(PaymentsService);
    a = await createTestHospital(app);
    peopleA = a.people;
    await connectAccount(app, a, 'acct_lakeshore_test', { feeBps: 1500 });
  });

  afterAll(async () => {
    await app.close();
    await stripe.stop();
  });

  const paymentOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Payment, { caseId }));
  const caseOf = (caseId: string) => db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id: caseId }));

  it('creates a Checkout Session with manual capture, the hospital as destination, the platform fee and an idempotency key', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 95000 });
    const start = await checkout(app, a, c);
    expect(start.redirectUrl).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    const [sent] = stripe.posts(/^\/v1\/checkout\/sessions$/).filter((r) => r.form['metadata[case_id]'] === c.id);
    expect(sent.idempotencyKey).toBe(`checkout:${c.id}:1`);
    expect(sent.form).toMatchObject({
      mode: 'payment',
      'payment_intent_data[capture_method]': 'manual',
      'payment_intent_data[application_fee_amount]': '14250',
      'payment_intent_data[transfer_data][destination]': 'acct_lakeshore_test',
      'payment_intent_data[on_behalf_of]': 'acct_lakeshore_test',
      'payment_intent_data[metadata][tenant_id]': a.id,
      'payment_intent_data[metadata][case_id]': c.id,
      'metadata[tenant_id]': a.id,
      'line_items[0][price_data][unit_amount]': '95000',
      'line_items[0][price_data][currency]': 'usd',
    });
    // Ids only in metadata; the product says the hospital and the reference, nothing clinical.
    expect(
      Object.keys(sent.form)
        .filter((k) => k.includes('[metadata]') || k.startsWith('metadata'))
        .every((k) => /\[(tenant_id|case_id|payment_id)\]$/.test(k)),
    ).toBe(true);
    expect(sent.form['line_items[0][price_data][product_data][name]']).toBe(`${a.name}: second opinion`);
    // Starting again while the session is open resumes it rather than creating another.
    const again = await checkout(app, a, c);
    expect(again.redirectUrl).toBe(start.redirectUrl);
  });

  it('retries a 5xx answer with the same Idempotency-Key, and creates one session', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 50000 });
    stripe.failNext(1);
    const start = await checkout(app, a, c);
    const tries = stripe.requests.filter((r) => r.idempotencyKey === `checkout:${c.id}:1`);
    expect(tries).toHaveLength(2);
    expect(start.redirectUrl).toContain('cs_test_');
    expect((await paymentOf(c.id)).checkoutSessionId).toBe(start.redirectUrl.split('/').pop());
  });

  it('authorizes from the webhook, captures on acceptance, refunds in part and in full, each with its key', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 80000 });
    await checkout(app, a, c);
    const payment = await paymentOf(c.id);
    const metadata = { tenant_id: a.id, case_id: c.id, payment_id: payment.id };
    const pi = `pi_${payment.id.slice(0, 8)}`;
    stripe.intents.set(pi, { id: pi, amount: 80000, amount_capturable: 80000, metadata });

    const completed = await postSigned(
      app,
      stripeEvent('checkout.session.completed', {
        id: payment.checkoutSessionId,
        object: 'checkout.session',
        payment_intent: pi,
        metadata,
        status: 'complete',
        payment_status: 'unpaid',
      }),
    );
    expect(completed.status).toBe(200);
    const res = await postSigned(
      app,
      stripeEvent('payment_intent.amount_capturable_updated', {
        id: pi,
        object: 'payment_intent',
        amount_capturable: 80000,
        amount_received: 0,
        metadata,
      }),
    );
    expect(res.body).toEqual({ received: true, outcome: 'applied' });
    expect(await paymentOf(c.id)).toMatchObject({ status: 'authorized', authorizedMinor: 80000, paymentIntentId: pi });
    expect(await caseOf(c.id)).toMatchObject({ state: 'submitted' });
    expect((await caseOf(c.id)).paymentAuthorizedAt).toBeInstanceOf(Date);

    // The coordinator accepts the case (triage, then accept): acceptance is what captures the authorization.
    await advanceTestCase(app, a, { ...c, state: 'submitted' }, 'accepted');
    expect(await paymentOf(c.id)).toMatchObject({ status: 'captured', capturedMinor: 80000 });
    expect(stripe.posts(new RegExp(`/v1/payment_intents/${pi}/capture$`))[0].idempotencyKey).toBe(`capture:${c.id}:${pi}`);

    await payments.refund(c.id, 30000, 'Partial goodwill refund', { tenantId: a.id });
    const full = await payments.refund(c.id, undefined, 'Patient withdrew', { tenantId: a.id });
    expect(full).toMatchObject({ status: 'refunded', refundedMinor: 80000 });
    const refunds = stripe.posts(/^\/v1\/refunds$/).filter((r) => r.form.payment_intent === pi);
    expect(refunds.map((r) => [r.form.amount, r.form.reason, r.form.reverse_transfer, r.idempotencyKey])).toEqual([
      ['30000', 'requested_by_customer', 'true', `refund:${c.id}:0-30000`],
      ['50000', 'requested_by_customer', 'true', `refund:${c.id}:30000-50000`],
    ]);
    // Staff's words never leave for Stripe.
    expect(JSON.stringify(refunds)).not.toContain('withdrew');
    expect(await caseOf(c.id)).toMatchObject({ state: 'refunded' });
  });

  it('cancels the authorization when the case is declined', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 40000 });
    await checkout(app, a, c);
    const payment = await paymentOf(c.id);
    const pi = `pi_${payment.id.slice(0, 8)}`;
    const metadata = { tenant_id: a.id, case_id: c.id, payment_id: payment.id };
    await postSigned(
      app,
      stripeEvent('payment_intent.amount_capturable_updated', { id: pi, object: 'payment_intent', amount_capturable: 40000, metadata }),
    );
    const released = await db.forTenant(a.id, (tx) => payments.release(tx, c.id, 'declined'));
    expect(released).toMatchObject({ status: 'released', capturedMinor: 0 });
    const [cancel] = stripe.posts(new RegExp(`/v1/payment_intents/${pi}/cancel$`));
    expect(cancel.idempotencyKey).toBe(`release:${c.id}:${pi}`);
  });

  it('answers 400 to unsigned, tampered and stale events, and changes nothing', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 30000 });
    await checkout(app, a, c);
    const payment = await paymentOf(c.id);
    const metadata = { tenant_id: a.id, case_id: c.id, payment_id: payment.id };
    const event = stripeEvent('payment_intent.amount_capturable_updated', {
      id: 'pi_forged',
      object: 'payment_intent',
      amount_capturable: 30000,
      metadata,
    });
    const unsigned = await postSigned(app, event, { unsigned: true });
    const tampered = await postSigned(app, event, { tamper: (p) => p.replace('"amount_capturable":30000', '"amount_capturable":1') });
    const stale = await postSigned(app, event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const oneByteMore = await postSigned(app, event, { tamper: (p) => `${p} ` });
    for (const res of [unsigned, tampered, stale, oneByteMore]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('webhook_signature_invalid');
    }
    expect(await paymentOf(c.id)).toMatchObject({ status: 'pending', authorizedMinor: 0 });
    expect(await operatorQuery(app, 'SELECT 1 FROM payment_events WHERE event_id = $1', [event.id])).toHaveLength(0);
    // The same event, properly signed, is applied once however often it comes.
    expect((await postSigned(app, event)).body.outcome).toBe('applied');
    expect((await postSigned(app, event)).body.outcome).toBe('duplicate');
  });

  it('records and ignores events for unknown hospitals and payments', async () => {
    const stranger = stripeEvent('payment_intent.succeeded', {
      id: 'pi_elsewhere',
      object: 'payment_intent',
      amount_received: 100,
      metadata: { tenant_id: '00000000-0000-4000-8000-000000000000', payment_id: '00000000-0000-4000-8000-000000000001' },
    });
    expect((await postSigned(app, stranger)).body.outcome).toBe('ignored');
    const other = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    expect((await postSigned(app, other)).body.outcome).toBe('ignored');
    expect(await operatorQuery(app, 'SELECT outcome FROM payment_events WHERE event_id IN ($1, $2)', [stranger.id, other.id])).toEqual([
      { outcome: 'ignored' },
      { outcome: 'ignored' },
    ]);
  });

  it('keeps the Connect status from account.updated, newest first', async () => {
    const newer = stripeEvent(
      'account.updated',
      {
        id: 'acct_lakeshore_test',
        object: 'account',
        charges_enabled: false,
        payouts_enabled: false,
        details_submitted: true,
        metadata: { tenant_id: a.id },
      },
      Math.floor(Date.now() / 1000) + 10,
    );
    const older = stripeEvent(
      'account.updated',
      {
        id: 'acct_lakeshore_test',
        object: 'account',
        charges_enabled: true,
        payouts_enabled: true,
        details_submitted: true,
        metadata: { tenant_id: a.id },
      },
      Math.floor(Date.now() / 1000) - 10,
    );
    await postSigned(app, newer);
    await postSigned(app, older);
    const [row] = await operatorQuery(app, 'SELECT charges_enabled, payouts_enabled FROM tenant_payment_accounts WHERE tenant_id = $1', [
      a.id,
    ]);
    expect(row).toEqual({ charges_enabled: false, payouts_enabled: false });
    await operatorQuery(app, 'UPDATE tenant_payment_accounts SET charges_enabled = true WHERE tenant_id = $1', [a.id]);
  });

  it('reconciles local payments with Stripe’s and reports the differences', async () => {
    const c = await draftCase(app, a, peopleA.patient.id, { total: 20000 });
    await checkout(app, a, c);
    const payment = await paymentOf(c.id);
    const metadata = { tenant_id: a.id, case_id: c.id, payment_id: payment.id };
    const pi = `pi_rec_${payment.id.slice(0, 8)}`;
    await postSigned(
      app,
      stripeEvent('payment_intent.amount_capturable_updated', { id: pi, object: 'payment_intent', amount_capturable: 20000, metadata }),
    );
    // Stripe says it was captured; we never heard.
    stripe.intents.set(pi, { id: pi, amount: 20000, status: 'succeeded', amount_received: 20000, metadata });
    stripe.intents.set('pi_unknown_here', {
      id: 'pi_unknown_here',
      amount: 5000,
      status: 'requires_capture',
      metadata: { tenant_id: a.id, case_id: c.id, payment_id: '00000000-0000-4000-8000-0000000000aa' },
    });
    const report = await app.get(PaymentsReconciliation).reconcile(7);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'status',
          paymentIntentId: pi,
          local: expect.objectContaining({ status: 'authorized' }),
          provider: expect.objectContaining({ status: 'captured' }),
        }),
        expect.objectContaining({ kind: 'missing_locally', paymentIntentId: 'pi_unknown_here' }),
      ]),
    );

    // Nightly: every instance checks, the first claims the day, the others find it done.
    const schedule = app.get(ReconciliationSchedule);
    await operatorQuery(app, 'DELETE FROM payment_reconciliations');
    const day = new Date();
    const [first, second] = await Promise.all([schedule.runIfDue(day), schedule.runIfDue(day)]);
    const run = first ?? second;
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(run).toMatchObject({ provider: 'stripe', day: day.toISOString().slice(0, 10), failure: null });
    expect(run!.differences.map((d) => d.paymentIntentId)).toEqual(expect.arrayContaining([pi, 'pi_unknown_here']));
    expect(await schedule.runIfDue(day)).toBeNull();

    const email = `rec.${randomUUID().slice(0, 8)}@consilium.example`;
    await app.get(OperatorAccounts).upsert({ email, name: 'Reconciler', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
    const operator = new WebClient(app, 'admin.localhost');
    await operator.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
    await operator.submit('/operator/mfa', { code: await freshCode(email, undefined, app) });
    const page = await operator.get('/operator/revenue');
    expect(page.status).toBe(200);
    expect(page.text).toContain(day.toISOString().slice(0, 10));
    expect(page.text).toContain('pi_unknown_here');
    expect(page.text).toContain(a.slug);
  });
});
