import { FundingBudgets, Payment } from '@consilium/billing';
import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { checkout, DraftToPay, withQuote, connectAccount, createFundingProgram, draftCase, operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { postSigned, stripeEvent, WEBHOOK_SECRET } from '../support/stripe-events';
import { StripeStandIn } from '../support/stripe-stand-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital, TestTenant } from '../support/tenants';

const CASES = 100;
const DELIVERIES = 1000;

/** A seeded shuffle, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

// Stripe's API is a local stand-in (StripeStandIn) here: it answers the SDK's checkout and payment-intent lookups.
describe('webhook replay: duplicated and shuffled events end exactly as in-order delivery', () => {
  const stripe = new StripeStandIn();
  let app: NestFastifyApplication;
  let db: TenantDatabase;

  beforeAll(async () => {
    const base = await stripe.start();
    app = await createTestApp(
      { STRIPE_SECRET_KEY: 'sk_test_consilium', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: base, DATABASE_POOL_SIZE: '20' },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    db = app.get(TenantDatabase);
  });

  afterAll(async () => {
    await app.close();
    await stripe.stop();
  });

  /** One hospital with CASES checkouts and, per case, the events Stripe would send for one of five stories. */
  async function world(label: string): Promise<{ tenant: TestHospital; events: Record<string, unknown>[] }> {
    const tenant = await createTestHospital(app);
    const people = tenant.people;
    const accountId = `acct_${label}_${tenant.slug}`;
    await connectAccount(app, tenant, accountId);
    const programId = await createFundingProgram(app, tenant);
    await db.forTenant(tenant.id, (tx) => app.get(FundingBudgets).setBudget(tx, tenant.id, programId, 'USD', 10_000_000));
    const t0 = Math.floor(Date.now() / 1000) - 3600;
    const events: Record<string, unknown>[] = [];
    // The patients' drafts, ten at a time (each one is a whole intake), in number order as the stories are told.
    const drafts: DraftToPay[] = [];
    for (let from = 0; from < CASES; from += 10)
      drafts.push(...(await Promise.all(Array.from({ length: 10 }, () => draftCase(app, tenant, people.patient.id, { total: 60000 })))));
    drafts.sort((x, y) => x.number.localeCompare(y.number));
    for (let i = 0; i < CASES; i++) {
      const funded = i % 2 === 0;
      const c = withQuote(drafts[i], {
        total: 60000,
        subtotal: funded ? 70000 : 60000,
        ...(funded ? { funding: { programId, name: 'Fund', amount: 10000 } } : {}),
      });
      await checkout(app, tenant, c);
      const payment = await db.forTenant(tenant.id, (tx) => tx.findOneByOrFail(Payment, { caseId: c.id }));
      const metadata = { tenant_id: tenant.id, case_id: c.id, payment_id: payment.id };
      const pi = `pi_${label}_${i}_${tenant.slug}`;
      // Charges and disputes carry no metadata of ours: the stand-in answers the lookup of their payment intent.
      stripe.intents.set(pi, { id: pi, amount: 60000, metadata });
      const at = (n: number) => t0 + i * 10 + n;
      const intent = (extra: Record<string, unknown>) => ({ id: pi, object: 'payment_intent', amount: 60000, metadata, ...extra });
      const completed = stripeEvent(
        'checkout.session.completed',
        { id: payment.checkoutSessionId, object: 'checkout.session', payment_intent: pi, metadata, status: 'complete' },
        at(1),
      );
      const capturable = stripeEvent('payment_intent.amount_capturable_updated', intent({ amount_capturable: 60000 }), at(2));
      const succeeded = stripeEvent('payment_intent.succeeded', intent({ amount_received: 60000, status: 'succeeded' }), at(3));
      const charge = (refunded: number, n: number) =>
        stripeEvent(
          'charge.refunded',
          { id: `ch_${pi}`, object: 'charge', payment_intent: pi, amount_captured: 60000, amount_refunded: refunded, metadata: {} },
          at(n),
        );
      const failed = stripeEvent(
        'payment_intent.payment_failed',
        intent({ last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } }),
        at(1),
      );
      switch (i % 5) {
        case 0:
          events.push(completed, capturable, succeeded);
          break;
        case 1:
          events.push(completed, capturable, stripeEvent('payment_intent.canceled', intent({ status: 'canceled' }), at(4)));
          break;
        case 2:
          events.push(failed, completed, capturable, succeeded, charge(15000, 5), charge(60000, 6));
          break;
        case 3:
          events.push(
            completed,
            capturable,
            succeeded,
            stripeEvent(
              'charge.dispute.created',
              {
                id: `dp_${pi}`,
                object: 'dispute',
                payment_intent: pi,
                charge: `ch_${pi}`,
                amount: 60000,
                reason: 'fraudulent',
                metadata: {},
              },
              at(5),
            ),
          );
          break;
        case 4:
          events.push(
            failed,
            stripeEvent(
              'checkout.session.expired',
              { id: payment.checkoutSessionId, object: 'checkout.session', metadata, status: 'expired' },
              at(6),
            ),
          );
          break;
      }
    }
    const account = (charges: boolean, n: number) =>
      stripeEvent(
        'account.updated',
        {
          id: accountId,
          object: 'account',
          charges_enabled: charges,
          payouts_enabled: charges,
          details_submitted: true,
          metadata: { tenant_id: tenant.id },
        },
        t0 + n,
      );
    events.push(account(false, 1), account(true, 2));
    events.push(
      stripeEvent(
        'payment_intent.succeeded',
        {
          id: `pi_nobody_${label}`,
          object: 'payment_intent',
          amount_received: 1,
          metadata: { tenant_id: randomUUID(), payment_id: randomUUID() },
        },
        t0,
      ),
    );
    return { tenant, events };
  }

  /** Everything a delivery order could change, keyed by the case's position in its world. */
  async function snapshot(tenant: TestTenant) {
    const rows = await operatorQuery(
      app,
      `
      SELECT p.status, p.authorized_minor, p.captured_minor, p.refunded_minor, p.funded_minor, c.state AS case_state,
             (SELECT array_agg(e.type ORDER BY e.type) FROM case_events e WHERE e.tenant_id = c.tenant_id AND e.case_id = c.id) AS case_events,
             (SELECT array_agg(l.kind || ':' || l.amount_minor ORDER BY l.kind) FROM funding_ledger l WHERE l.tenant_id = p.tenant_id AND l.payment_id = p.id) AS ledger,
             (SELECT count(*)::int FROM payments p2 WHERE p2.tenant_id = c.tenant_id AND p2.case_id = c.id) AS payments
        FROM cases c JOIN payments p ON p.tenant_id = c.tenant_id AND p.case_id = c.id
       WHERE c.tenant_id = $1 ORDER BY c.number`,
      [tenant.id],
    );
    const [budget] = await operatorQuery(
      app,
      'SELECT budget_minor, reserved_minor, spent_minor FROM funding_budgets WHERE tenant_id = $1',
      [tenant.id],
    );
    const [account] = await operatorQuery(
      app,
      'SELECT charges_enabled, payouts_enabled FROM tenant_payment_accounts WHERE tenant_id = $1',
      [tenant.id],
    );
    return { rows, budget, account };
  }

  // About 45 s alone; room for a machine loaded by the other suites (as the isolation test has).
  it(`applies ${DELIVERIES} duplicated, shuffled deliveries with the effects of in-order delivery`, async () => {
    const inOrder = await world('ordered');
    for (const event of inOrder.events) expect((await postSigned(app, event)).status).toBe(200);

    const replayed = await world('replayed');
    const rand = random(42);
    const deliveries = [...replayed.events];
    while (deliveries.length < DELIVERIES) deliveries.push(replayed.events[Math.floor(rand() * replayed.events.length)]);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
    }
    expect(deliveries).toHaveLength(DELIVERIES);
    // Eight at a time, so duplicates of one event and events of one payment also race each other.
    for (let i = 0; i < deliveries.length; i += 8) {
      const answers = await Promise.all(deliveries.slice(i, i + 8).map((e) => postSigned(app, e)));
      for (const res of answers) expect(res.status).toBe(200);
    }

    const expected = await snapshot(inOrder.tenant);
    const actual = await snapshot(replayed.tenant);
    expect(actual.rows).toEqual(expected.rows);
    expect(actual.budget).toEqual(expected.budget);
    expect(actual.account).toEqual({ charges_enabled: true, payouts_enabled: true });
    expect(expected.account).toEqual(actual.account);

    // The stories ended where they should, and nothing was counted twice.
    const byStatus = (rows: Record<string, unknown>[]) =>
      rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [String(r.status)]: (acc[String(r.status)] ?? 0) + 1 }), {});
    expect(byStatus(actual.rows)).toEqual({ captured: 20, released: 20, refunded: 20, disputed: 20, failed: 20 });
    expect(actual.rows.every((r) => r.payments === 1)).toBe(true);
    const ledgerRows = await operatorQuery<{ n: number; distinct_steps: number }>(
      app,
      `SELECT count(*)::int AS n, count(DISTINCT (payment_id, kind))::int AS distinct_steps FROM funding_ledger WHERE tenant_id = $1`,
      [replayed.tenant.id],
    );
    expect(ledgerRows[0].n).toBe(ledgerRows[0].distinct_steps);
    const recorded = await operatorQuery<{ n: number }>(app, `SELECT count(*)::int AS n FROM payment_events WHERE tenant_id = $1`, [
      replayed.tenant.id,
    ]);
    expect(recorded[0].n).toBe(replayed.events.length - 1);
    // Spent: funded captures (stories 0, 2, 3); released funding went back to the budget.
    expect(actual.budget).toEqual({ budget_minor: '10000000', reserved_minor: '0', spent_minor: String(30 * 10000) });
  }, 240000);
});
