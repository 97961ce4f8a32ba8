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
