import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';

/** Who checks a signed opinion before the patient has it: nobody, any other physician, or the medical director. */
export const QUALITY_CHECKS = ['none', 'second_physician', 'medical_director'] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

/** The hospital's choice (its console or blueprint `quality_check`); `none` when it never chose. */
export async function readQualityCheck(tx: EntityManager, tenantId: string): Promise<QualityCheck> {
  const row = await first<{ quality_check: QualityCheck }>(tx, 'SELECT quality_check FROM opinion_settings WHERE tenant_id = $1', [
    tenantId,
  ]);
  return row?.quality_check ?? 'none';
}

export async function writeQualityCheck(tx: EntityManager, tenantId: string, value: QualityCheck): Promise<void> {
  await tx.query(
    `INSERT INTO opinion_settings (tenant_id, quality_check) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET quality_check = excluded.quality_check, updated_at = now()`,
    [tenantId, value],
  );
}
