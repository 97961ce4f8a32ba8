import { Case, CaseConsents, CasePipeline, Quote, requiredConsents } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { TestTenant } from './tenants';

/** A draft case whose patient accepted a quote: what intake hands to `startCheckout`. Minor units. */
export async function draftCase(
  app: INestApplicationContext,
  tenant: TestTenant,
  patientId: string,
  quote: Partial<Quote> & { total: number },
): Promise<Case> {
  const db = app.get(TenantDatabase);
  const pipeline = app.get(CasePipeline);
  return db.forTenant(tenant.id, async (tx) => {
    const number = await pipeline.nextNumber(tx, tenant.id, 'TST');
    const full: Quote = {
      currency: 'USD',
      lines: [{ label: 'Second opinion', amount: quote.subtotal ?? quote.total }],
      subtotal: quote.subtotal ?? quote.total,
      ...quote,
    };
    const c = await tx.save(
      Case,
      tx.create(Case, {
        tenantId: tenant.id,
        number,
        state: 'draft',
        patientId,
        route: 'direct',
        quote: full,
        quoteAcceptedAt: new Date(),
      }),
    );
    // The consents intake collects before any checkout (the pipeline checks them before `submit`).
    for (const kind of requiredConsents('direct')) {
      await app
        .get(CaseConsents)
        .give(tx, tenant.id, c.id, { kind, version: 'test-1', textSha256: '0'.repeat(64), accountId: patientId }, null);
    }
    return c;
  });
}

/** The hospital's connected account, as the operator's onboarding and Stripe's account.updated leave it. */
export async function connectAccount(
  app: INestApplicationContext,
  tenant: TestTenant,
  accountId: string,
  options: { provider?: 'stripe' | 'demo'; feeBps?: number } = {},
): Promise<void> {
  await app.get(OperatorDatabase).forTenant(tenant.id, (tx) =>
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
  const [row] = await app.get(OperatorDatabase).forTenant(tenant.id, (tx) =>
    tx.query(
      `INSERT INTO funding_programs (tenant_id, slug, name, description, covers_percent, currency, access)
       VALUES ($1, $2, $3::jsonb, $3::jsonb, 100, 'USD', 'open') RETURNING id`,
      [tenant.id, `fund-${randomBytes(4).toString('hex')}`, JSON.stringify(name)],
    ),
  );
  return row.id;
}
