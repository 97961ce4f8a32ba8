import { Injectable } from '@nestjs/common';
import { affected, InvalidInput, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { PhysicianAccounts, StipendRates } from '@consilium/roster';
import { EntityManager } from 'typeorm';

export interface StipendAccrual {
  tenantId: string;
  caseId: string;
  opinionId: string;
  /** The account that signed the opinion (the roster physician linked to it earns the stipend). */
  signedBy: string;
  /** The hospital's calendar day of delivery, YYYY-MM-DD: its rate applies and its month pays. */
  day: string;
}

export interface PayoutRow {
  physicianId: string;
  name: string;
  opinions: number;
  currency: string;
  totalMinor: number;
  paidMinor: number;
  unpaidMinor: number;
}

export interface LedgerEntry {
  id: string;
  caseNumber: string;
  physicianId: string;
  name: string;
  amountMinor: number;
  currency: string;
  accruedOn: string;
  paidAt: Date | null;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The stipend ledger: one entry per delivered case (a unique key), at the signing physician's rate on the day of
 * delivery; a monthly payout report per physician; entries marked paid by an admin. Money in minor units.
 */
@Injectable()
export class StipendLedger {
  constructor(
    private readonly db: TenantDatabase,
    private readonly roster: PhysicianAccounts,
    private readonly rates: StipendRates,
    private readonly context: RequestContext,
  ) {}

  /**
   * Called by delivery in its transaction. A second delivery of the same case (a retried job, an amendment) finds the
   * entry and adds nothing. Returns false when nothing accrued (already there, or no roster physician or rate).
   */
  async accrue(tx: EntityManager, a: StipendAccrual): Promise<boolean> {
    const physician = await this.roster.byAccount(tx, a.signedBy);
    if (!physician) return false;
    const rate = await this.rates.rateOn(tx, physician.id, a.day);
    if (!rate) return false;
    const inserted = await rows(
      tx,
      `INSERT INTO stipend_entries (tenant_id, case_id, opinion_id, physician_id, amount_minor, currency, accrued_on)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, case_id) DO NOTHING RETURNING id`,
      [a.tenantId, a.caseId, a.opinionId, physician.id, rate.amountMinor, rate.currency, a.day],
    );
    return inserted.length === 1;
  }

  /** Per physician for one month (YYYY-MM): opinions delivered, total, paid and unpaid. */
  payouts(month: string): Promise<{ rows: PayoutRow[]; entries: LedgerEntry[] }> {
    const range = monthRange(month);
    return this.db.transaction(async (tx) => {
      const payouts = await rows<PayoutRow>(
        tx,
        `SELECT e.physician_id AS "physicianId", p.name, count(*)::int AS opinions, trim(e.currency) AS currency,
                sum(e.amount_minor)::int AS "totalMinor",
                coalesce(sum(e.amount_minor) FILTER (WHERE e.paid_at IS NOT NULL), 0)::int AS "paidMinor",
                coalesce(sum(e.amount_minor) FILTER (WHERE e.paid_at IS NULL), 0)::int AS "unpaidMinor"
           FROM stipend_entries e JOIN physicians p ON p.tenant_id = e.tenant_id AND p.id = e.physician_id
          WHERE e.accrued_on >= $1::date AND e.accrued_on < $2::date
          GROUP BY e.physician_id, p.name, e.currency ORDER BY p.name`,
        range,
      );
      const entries = await rows<LedgerEntry>(
        tx,
        `SELECT e.id, c.number AS "caseNumber", e.physician_id AS "physicianId", p.name, e.amount_minor AS "amountMinor",
                trim(e.currency) AS currency, e.accrued_on::text AS "accruedOn", e.paid_at AS "paidAt"
           FROM stipend_entries e JOIN physicians p ON p.tenant_id = e.tenant_id AND p.id = e.physician_id
           JOIN cases c ON c.tenant_id = e.tenant_id AND c.id = e.case_id
          WHERE e.accrued_on >= $1::date AND e.accrued_on < $2::date ORDER BY p.name, e.accrued_on, c.number`,
        range,
      );
      return { rows: payouts, entries };
    });
  }

  /** Marks a physician's unpaid entries of the month paid, by the signed-in admin. Returns how many. */
  markPaid(physicianId: string, month: string): Promise<number> {
    const range = monthRange(month);
    const actor = this.context.actor()!;
    return this.db.transaction(async (tx) => {
      return affected(
        tx,
        `UPDATE stipend_entries SET paid_at = now(), paid_by = $4
          WHERE physician_id = $1 AND accrued_on >= $2::date AND accrued_on < $3::date AND paid_at IS NULL`,
        [physicianId, ...range, actor.id],
      );
    });
  }
}

export function checkMonth(month: string | undefined): string {
  if (!month || !MONTH.test(month)) throw new InvalidInput({ month: 'Choose a month such as 2026-11.' });
  return month;
}

function monthRange(month: string): [string, string] {
  checkMonth(month);
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return [`${month}-01`, `${next}-01`];
}
