import { Injectable } from '@nestjs/common';
import { parseCsv } from '@consilium/cases';
import { InvalidInput, MessageRef, msg, parseAmount, RequestContext, rows, TenantDatabase } from '@consilium/core';
import type { ResolvedTenant } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { SpendRow } from './contribution';

/** Campaign spend in the hospital's currency whose months touch the period. */
export function spendRows(tx: EntityManager, tenantId: string, currency: string, from: string, to: string): Promise<SpendRow[]> {
  return rows<SpendRow>(
    tx,
    `SELECT campaign, month::text AS month, amount_minor::float8 AS "amountMinor" FROM campaign_spend
      WHERE tenant_id = $1 AND currency = $2 AND month >= date_trunc('month', $3::date) AND month <= $4::date ORDER BY month, campaign`,
    [tenantId, currency, from, to],
  );
}

export interface SpendInput {
  campaign: string;
  /** `2026-03` as typed. */
  month: string;
  /** Major units as typed (`1500.00`). */
  amount: string;
}

export interface SpendImport {
  imported: number;
  /** Each refused cell: its line, its column and what is wrong, by key. */
  errors: { line: number; column: string; message: MessageRef }[];
}

const MAX_ROWS = 5000;
const COLUMNS = ['campaign', 'month', 'amount'] as const;

/**
 * What the hospital spent on each campaign, by month: entered one at a time on the spend page or imported as CSV
 * (`campaign,month,amount`). A month entered again replaces what was there. Analytics spreads it over the days of a
 * period like the monthly cost, and divides it by the campaign's requests and conversions.
 */
@Injectable()
export class CampaignSpend {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  /** The hospital's spend, most recent month first. */
  list(): Promise<SpendRow[]> {
    const tenant = this.context.tenant<ResolvedTenant>();
    return this.db.forTenant(tenant.id, (tx) =>
      rows<SpendRow>(
        tx,
        `SELECT campaign, to_char(month, 'YYYY-MM') AS month, amount_minor::float8 AS "amountMinor" FROM campaign_spend
          WHERE tenant_id = $1 AND currency = $2 ORDER BY month DESC, campaign LIMIT 500`,
        [tenant.id, tenant.currency],
      ),
    );
  }

  /** One month of one campaign; a problem is reported beside its field (`campaign`, `month`, `amount`). */
  async enter(input: SpendInput): Promise<void> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const checked = this.check(input, tenant.currency);
    if ('problems' in checked) throw new InvalidInput(Object.fromEntries(checked.problems.map((p) => [p.column, p.message])));
    await this.db.forTenant(tenant.id, (tx) => this.write(tx, tenant, checked));
  }

  /** Every row checked first: with any error nothing is written, and every error has its line and column. */
  async importCsv(text: string): Promise<SpendImport> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const table = parseCsv(text).filter((row) => row.some((cell) => cell.trim()));
    const header = table.shift()?.map((h) => h.trim().toLowerCase());
    const missing = COLUMNS.filter((c) => !header?.includes(c));
    if (!header || missing.length)
      return { imported: 0, errors: missing.map((column) => ({ line: 1, column, message: msg('analytics.spend.missingColumn') })) };
    if (table.length > MAX_ROWS)
      return {
        imported: 0,
        errors: [{ line: MAX_ROWS + 2, column: 'campaign', message: msg('analytics.spend.tooMany', { max: MAX_ROWS }) }],
      };
    const errors: SpendImport['errors'] = [];
    const valid: SpendRow[] = [];
    table.forEach((row, i) => {
      const cell = (name: string) => (row[header.indexOf(name)] ?? '').trim();
      const checked = this.check({ campaign: cell('campaign'), month: cell('month'), amount: cell('amount') }, tenant.currency);
      if ('problems' in checked) errors.push(...checked.problems.map((p) => ({ line: i + 2, ...p })));
      else valid.push(checked);
    });
    if (errors.length) return { imported: 0, errors };
    await this.db.forTenant(tenant.id, async (tx) => {
      for (const row of valid) await this.write(tx, tenant, row);
    });
    return { imported: valid.length, errors: [] };
  }

  private check(input: SpendInput, currency: string): SpendRow | { problems: { column: string; message: MessageRef }[] } {
    const problems: { column: string; message: MessageRef }[] = [];
    const campaign = input.campaign.trim();
    if (!campaign || campaign.length > 320) problems.push({ column: 'campaign', message: msg('analytics.spend.campaign') });
    const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(input.month.trim());
    if (!month) problems.push({ column: 'month', message: msg('analytics.spend.month') });
    const amountMinor = parseAmount(input.amount.trim().replace(/,/g, ''), currency);
    if (amountMinor === undefined || amountMinor < 0) problems.push({ column: 'amount', message: msg('analytics.spend.amount') });
    if (problems.length) return { problems };
    return { campaign, month: `${month![1]}-${month![2]}-01`, amountMinor: amountMinor! };
  }

  private async write(tx: EntityManager, tenant: ResolvedTenant, row: SpendRow): Promise<void> {
    await tx.query(
      `INSERT INTO campaign_spend (tenant_id, campaign, month, currency, amount_minor) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, campaign, month) DO UPDATE SET amount_minor = excluded.amount_minor, currency = excluded.currency, updated_at = now()`,
      [tenant.id, row.campaign, row.month, tenant.currency, row.amountMinor],
    );
  }
}
