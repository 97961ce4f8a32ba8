import { rows } from '@consilium/core';
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

/** Sets a campaign's spend for a month (a second entry for the same month replaces the first). */
export async function writeSpend(tx: EntityManager, tenantId: string, currency: string, row: SpendRow): Promise<void> {
  await tx.query(
    `INSERT INTO campaign_spend (tenant_id, campaign, month, currency, amount_minor) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, campaign, month) DO UPDATE SET amount_minor = excluded.amount_minor, currency = excluded.currency, updated_at = now()`,
    [tenantId, row.campaign, row.month, currency, row.amountMinor],
  );
}
