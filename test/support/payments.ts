import { CheckoutStart } from '@consilium/billing';
import { Quote } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { IntakeDrafts } from '@consilium/intake';
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { actAs, asPatient, createTestCase, TestCase } from './cases';
import type { TestHospital, TestTenant } from './tenants';

/** A draft the patient finished (answers and consents, through intake), and the quote they are about to accept. */
export interface DraftToPay extends TestCase {
  quote: Quote;
  patientId: string;
}

/**
 * A draft case of `hospital`'s patient, finished through intake, with the quote (minor units) the suite wants paid:
 * what the patient's last step hands to billing. Pay it with `checkout`.
 */
export async function draftCase(
  app: INestApplicationContext,
  hospital: TestHospital,
  patientId: string,
  quote: Partial<Quote> & { total: number },
): Promise<DraftToPay> {
  const patient = patientId === hospital.people.patient.id ? hospital.people.patient : { id: patientId, email: '' };
  const draft = await createTestCase(app, hospital, { state: 'draft', patient });
  return withQuote({ ...draft, patientId }, quote);
}

/** The same draft, with another quote for the patient to accept (minor units; one line unless given). */
export function withQuote(draft: TestCase & { patientId: string }, quote: Partial<Quote> & { total: number }): DraftToPay {
  return {
    ...draft,
    quote: {
      currency: 'USD',
      lines: [{ label: 'Second opinion', amount: quote.subtotal ?? quote.total }],
      subtotal: quote.subtotal ?? quote.total,
      ...quote,
    },
  };
}

/** The patient accepts the draft's quote and goes to pay: intake's last step, which starts billing's checkout. */
export function checkout(
  app: INestApplicationContext,
  hospital: TestHospital,
  c: DraftToPay,
  funding: { attested?: boolean; code?: string } = {},
): Promise<CheckoutStart> {
  // CasePayments answers billing's CheckoutStart: the payment's id and status beside where to go.
  return actAs(app, hospital, asPatient({ id: c.patientId, email: '' }), () =>
    app.get(IntakeDrafts).submit(c.id, c.quote, funding),
  ) as Promise<CheckoutStart>;
}

/** The hospital's connected account, as the operator's onboarding and Stripe's account.updated leave it. */
export async function connectAccount(
  app: INestApplicationContext,
  tenant: TestTenant,
  accountId: string,
  options: { provider?: 'stripe' | 'demo'; feeBps?: number } = {},
): Promise<void> {
  await app.get(TenantDatabase).forTenant(tenant.id, (tx) =>
    tx.query(
      `INSERT INTO tenant_payment_accounts (tenant_id, provider, account_id, charges_enabled, payouts_enabled, details_submitted, platform_fee_bps)
       VALUES ($1, $2, $3, true, true, true, $4)`,
      [tenant.id, options.provider ?? 'stripe', accountId, options.feeBps ?? null],
    ),
  );
}

/** Reads through the operator path: the test looks at rows as they are, whatever the tenant. */
export async function operatorQuery<T = Record<string, unknown>>(
  app: INestApplicationContext,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return app.get(OperatorDatabase).transaction((tx) => tx.query(sql, params));
}

/** A funding program of the tenant: the catalog row a budget in funding_budgets belongs to (foreign key). */
export async function createFundingProgram(app: INestApplicationContext, tenant: TestTenant, name = 'Charity care'): Promise<string> {
  const [row]: { id: string }[] = await app.get(TenantDatabase).forTenant(tenant.id, (tx) =>
    tx.query(
      `INSERT INTO funding_programs (tenant_id, slug, name, description, covers_percent, currency, access)
       VALUES ($1, $2, $3::jsonb, $3::jsonb, 100, 'USD', 'open') RETURNING id`,
      [tenant.id, `fund-${randomBytes(4).toString('hex')}`, JSON.stringify(name)],
    ),
  );
  return row.id;
}
