import { Injectable } from '@nestjs/common';
import { first, one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface StipendRate {
  amountMinor: number;
  currency: string;
  effectiveFrom: string;
}

/**
 * A physician's stipend per delivered opinion, with its history: a new rate counts from the hospital's today, and
 * delivery accrues the rate in force on its own day, so changing a rate never rewrites what was already earned.
 */
@Injectable()
export class StipendRates {
  /** Records `amountMinor` as the rate from today (hospital time) when it differs from the rate in force. */
  async record(
    tx: EntityManager,
    tenantId: string,
    physicianId: string,
    amountMinor: number,
    currency: string,
    from?: string,
  ): Promise<boolean> {
    const day = from
      ? { today: from }
      : await one<{ today: string }>(tx, `SELECT (now() AT TIME ZONE time_zone)::date::text AS today FROM tenants WHERE id = $1`, [
          tenantId,
        ]);
    const current = await this.rateOn(tx, physicianId, day.today);
    if (current && current.amountMinor === amountMinor && current.currency === currency) return false;
    await tx.query(
      `INSERT INTO physician_stipend_rates (tenant_id, physician_id, amount_minor, currency, effective_from) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, physician_id, effective_from) DO UPDATE SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency`,
      [tenantId, physicianId, amountMinor, currency, day.today],
    );
    return true;
  }

  /** The rate in force on `day` (YYYY-MM-DD), or null when the physician had none yet. */
  async rateOn(tx: EntityManager, physicianId: string, day: string): Promise<StipendRate | null> {
    const row = await first<{ amount_minor: number; currency: string; effective_from: string }>(
      tx,
      `SELECT amount_minor, currency, effective_from::text AS effective_from FROM physician_stipend_rates
        WHERE physician_id = $1 AND effective_from <= $2::date ORDER BY effective_from DESC LIMIT 1`,
      [physicianId, day],
    );
    return row ? { amountMinor: row.amount_minor, currency: row.currency.trim(), effectiveFrom: row.effective_from } : null;
  }

  history(tx: EntityManager, physicianId: string): Promise<StipendRate[]> {
    return rows<StipendRate>(
      tx,
      `SELECT amount_minor AS "amountMinor", trim(currency) AS currency, effective_from::text AS "effectiveFrom"
         FROM physician_stipend_rates WHERE physician_id = $1 ORDER BY effective_from DESC`,
      [physicianId],
    );
  }
}
