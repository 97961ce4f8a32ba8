import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';

/** What the hospital tells analytics that the data cannot: set on the analytics page or in the blueprint. */
export interface AnalyticsSettings {
  monthlyCostMinor: number;
  /** Per specialty id: what a procedure recorded without a value is worth, in minor units. */
  procedureEstimates: Record<string, number>;
}

export async function readAnalyticsSettings(tx: EntityManager, tenantId: string): Promise<AnalyticsSettings> {
  // monthly_cost_minor is bigint, which pg hands over as a string.
  const row = await first<{ monthly_cost_minor: string | null; procedure_estimates: Record<string, number> | null }>(
    tx,
    `SELECT monthly_cost_minor, procedure_estimates FROM analytics_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  return { monthlyCostMinor: Number(row?.monthly_cost_minor ?? 0), procedureEstimates: row?.procedure_estimates ?? {} };
}

export async function writeAnalyticsSettings(tx: EntityManager, tenantId: string, settings: AnalyticsSettings): Promise<void> {
  await tx.query(
    `INSERT INTO analytics_settings (tenant_id, monthly_cost_minor, procedure_estimates) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET monthly_cost_minor = excluded.monthly_cost_minor, procedure_estimates = excluded.procedure_estimates, updated_at = now()`,
    [tenantId, settings.monthlyCostMinor, settings.procedureEstimates],
  );
}

/** The contribution statement's own settings: margins per specialty and the card processor's price (unset: defaults). */
export interface MarginSettings {
  margins: Record<string, number>;
  paymentFeeBps: number | null;
  paymentFeeFixedMinor: number | null;
}

export async function readMarginSettings(tx: EntityManager, tenantId: string): Promise<MarginSettings> {
  const row = await first<{
    margins: Record<string, number> | null;
    payment_fee_bps: number | null;
    payment_fee_fixed_minor: number | null;
  }>(tx, `SELECT margins, payment_fee_bps, payment_fee_fixed_minor FROM analytics_settings WHERE tenant_id = $1`, [tenantId]);
  return {
    margins: row?.margins ?? {},
    paymentFeeBps: row?.payment_fee_bps ?? null,
    paymentFeeFixedMinor: row?.payment_fee_fixed_minor ?? null,
  };
}

export async function writeMarginSettings(tx: EntityManager, tenantId: string, settings: MarginSettings): Promise<void> {
  await tx.query(
    `INSERT INTO analytics_settings (tenant_id, margins, payment_fee_bps, payment_fee_fixed_minor) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id) DO UPDATE SET margins = excluded.margins, payment_fee_bps = excluded.payment_fee_bps,
       payment_fee_fixed_minor = excluded.payment_fee_fixed_minor, updated_at = now()`,
    [tenantId, settings.margins, settings.paymentFeeBps, settings.paymentFeeFixedMinor],
  );
}
