import { Injectable } from '@nestjs/common';
import { one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface FundingStep {
  tenantId: string;
  programId: string;
  paymentId: string;
  caseId: string;
  amountMinor: number;
}

export interface FundingReportRow {
  programId: string;
  currency: string;
  budgetMinor: number;
  reservedMinor: number;
  spentMinor: number;
  remainingMinor: number;
  reservations: number;
  spends: number;
  releases: number;
  /** Given back by refund rules (already out of `spentMinor`). */
  creditedMinor: number;
}

/**
 * A funding program's budget: reserved at authorization, spent at capture, restored on release. Each step is one
 * guarded UPDATE (it only succeeds while the budget covers it, so concurrent authorizations can never overspend)
 * plus one ledger row that is unique per payment and step (so a repeated event cannot apply twice). Callers hold
 * the payment's row lock, which serialises the steps of one payment.
 *
 * The program id is the catalog's funding_programs id once that table lands; until then budgets are set here.
 */
@Injectable()
export class FundingBudgets {
  /** Creates or changes a program's budget. The database refuses a budget below what is reserved and spent. */
  async setBudget(tx: EntityManager, tenantId: string, programId: string, currency: string, budgetMinor: number): Promise<void> {
    await tx.query(
      `INSERT INTO funding_budgets (tenant_id, program_id, currency, budget_minor) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, program_id) DO UPDATE SET budget_minor = EXCLUDED.budget_minor, currency = EXCLUDED.currency, updated_at = now()`,
      [tenantId, programId, currency, budgetMinor],
    );
  }

  /** True when the amount is (now or already) reserved for this payment; false when the budget cannot cover it. */
  async reserve(tx: EntityManager, step: FundingStep): Promise<boolean> {
    if (await this.hasStep(tx, step, 'reserve')) return true;
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count], which is easy to misread.
    const { reserved } = await one<{ reserved: number }>(
      tx,
      `WITH reserved AS (
         UPDATE funding_budgets SET reserved_minor = reserved_minor + $3, updated_at = now()
          WHERE tenant_id = $1 AND program_id = $2 AND budget_minor - reserved_minor - spent_minor >= $3
          RETURNING program_id)
       SELECT count(*)::int AS reserved FROM reserved`,
      [step.tenantId, step.programId, step.amountMinor],
    );
    if (reserved === 0) return false;
    await this.write(tx, step, 'reserve');
    return true;
  }

  /** Moves this payment's reservation to spent. False when nothing was reserved (the reservation had failed). */
  async spend(tx: EntityManager, step: FundingStep): Promise<boolean> {
    if (await this.hasStep(tx, step, 'spend')) return true;
    if (!(await this.hasStep(tx, step, 'reserve')) || (await this.hasStep(tx, step, 'release'))) return false;
    await tx.query(
      `UPDATE funding_budgets SET reserved_minor = reserved_minor - $3, spent_minor = spent_minor + $3, updated_at = now()
        WHERE tenant_id = $1 AND program_id = $2`,
      [step.tenantId, step.programId, step.amountMinor],
    );
    await this.write(tx, step, 'spend');
    return true;
  }

  /** Gives this payment's reservation back to the budget, unless it was spent or never made. */
  async release(tx: EntityManager, step: FundingStep): Promise<void> {
    if (await this.hasStep(tx, step, 'release')) return;
    if (!(await this.hasStep(tx, step, 'reserve')) || (await this.hasStep(tx, step, 'spend'))) return;
    await tx.query(
      `UPDATE funding_budgets SET reserved_minor = reserved_minor - $3, updated_at = now() WHERE tenant_id = $1 AND program_id = $2`,
      [step.tenantId, step.programId, step.amountMinor],
    );
    await this.write(tx, step, 'release');
  }

  /**
   * Gives part of what this payment spent back to its program (a refund by rule on a case the fund paid for), once
   * per named step however often it is asked. Never more than was spent: false when nothing was spent, the step was
   * already credited, or the credits would exceed the spend.
   */
  async credit(tx: EntityManager, step: FundingStep & { name: string }): Promise<boolean> {
    if (!(await this.hasStep(tx, step, 'spend'))) return false;
    const { credited } = await one<{ credited: number }>(
      tx,
      `SELECT coalesce(sum(amount_minor), 0)::int AS credited FROM funding_ledger WHERE tenant_id = $1 AND payment_id = $2 AND kind = 'credit'`,
      [step.tenantId, step.paymentId],
    );
    const { spent } = await one<{ spent: number }>(
      tx,
      `SELECT amount_minor::int AS spent FROM funding_ledger WHERE tenant_id = $1 AND payment_id = $2 AND kind = 'spend'`,
      [step.tenantId, step.paymentId],
    );
    if (step.amountMinor <= 0 || credited + step.amountMinor > spent) return false;
    const written = await rows(
      tx,
      `INSERT INTO funding_ledger (tenant_id, program_id, payment_id, case_id, kind, step, amount_minor)
       VALUES ($1, $2, $3, $4, 'credit', $5, $6) ON CONFLICT (tenant_id, payment_id, kind, step) DO NOTHING RETURNING id`,
      [step.tenantId, step.programId, step.paymentId, step.caseId, step.name, step.amountMinor],
    );
    if (!written.length) return false;
    await tx.query(
      `UPDATE funding_budgets SET spent_minor = spent_minor - $3, updated_at = now() WHERE tenant_id = $1 AND program_id = $2`,
      [step.tenantId, step.programId, step.amountMinor],
    );
    return true;
  }

  /** Per program: budget, reserved, spent, what remains, and how many payments took each step. */
  async report(tx: EntityManager): Promise<FundingReportRow[]> {
    const budgets = await rows<Record<string, string>>(
      tx,
      `
      SELECT b.program_id, b.currency, b.budget_minor, b.reserved_minor, b.spent_minor,
             count(*) FILTER (WHERE l.kind = 'reserve') AS reservations,
             count(*) FILTER (WHERE l.kind = 'spend') AS spends,
             count(*) FILTER (WHERE l.kind = 'release') AS releases,
             coalesce(sum(l.amount_minor) FILTER (WHERE l.kind = 'credit'), 0) AS credited
        FROM funding_budgets b LEFT JOIN funding_ledger l ON l.tenant_id = b.tenant_id AND l.program_id = b.program_id
       GROUP BY b.tenant_id, b.program_id ORDER BY b.program_id`,
    );
    return budgets.map((r) => ({
      programId: r.program_id,
      currency: r.currency.trim(),
      budgetMinor: Number(r.budget_minor),
      reservedMinor: Number(r.reserved_minor),
      spentMinor: Number(r.spent_minor),
      remainingMinor: Number(r.budget_minor) - Number(r.reserved_minor) - Number(r.spent_minor),
      reservations: Number(r.reservations),
      spends: Number(r.spends),
      releases: Number(r.releases),
      creditedMinor: Number(r.credited),
    }));
  }

  private async hasStep(tx: EntityManager, step: FundingStep, kind: string): Promise<boolean> {
    const found = await rows(tx, 'SELECT 1 FROM funding_ledger WHERE tenant_id = $1 AND payment_id = $2 AND kind = $3', [
      step.tenantId,
      step.paymentId,
      kind,
    ]);
    return found.length > 0;
  }

  private async write(tx: EntityManager, step: FundingStep, kind: string): Promise<void> {
    await tx.query(
      'INSERT INTO funding_ledger (tenant_id, program_id, payment_id, case_id, kind, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)',
      [step.tenantId, step.programId, step.paymentId, step.caseId, kind, step.amountMinor],
    );
  }
}
