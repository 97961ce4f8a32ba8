import { Injectable } from '@nestjs/common';
import { NotFound } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { EntityManager } from 'typeorm';
import type { PaymentStatus } from './payment-status';

export interface RevenueLine {
  paymentId: string;
  caseId: string;
  reference: string;
  status: PaymentStatus;
  currency: string;
  amountMinor: number;
  fundedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  applicationFeeMinor: number;
  createdAt: Date;
  capturedAt: Date | null;
}

export interface RevenueTotals {
  tenantId?: string;
  tenantName?: string;
  month?: string;
  currency: string;
  payments: number;
  capturedMinor: number;
  refundedMinor: number;
  netMinor: number;
  /** The platform's fee on what was kept (refunds give the fee back pro rata). */
  platformFeeMinor: number;
  fundedMinor: number;
}

export interface Receipt {
  paymentId: string;
  reference: string;
  status: PaymentStatus;
  currency: string;
  amountMinor: number;
  fundedMinor: number;
  capturedMinor: number;
  refundedMinor: number;
  authorizedAt: Date | null;
  capturedAt: Date | null;
  refundedAt: Date | null;
}

// Net, fee net of refunds, per group. Kept in one place so the hospital's and the operator's reports agree.
const TOTALS = `
  count(*)::int AS payments,
  coalesce(sum(p.captured_minor), 0)::bigint AS captured_minor,
  coalesce(sum(p.refunded_minor), 0)::bigint AS refunded_minor,
  coalesce(sum(p.captured_minor - p.refunded_minor), 0)::bigint AS net_minor,
  coalesce(sum(CASE WHEN p.captured_minor > 0
    THEN round(p.application_fee_minor::numeric * (p.captured_minor - p.refunded_minor) / p.captured_minor) ELSE 0 END), 0)::bigint AS platform_fee_minor,
  coalesce(sum(p.funded_minor) FILTER (WHERE p.captured_at IS NOT NULL), 0)::bigint AS funded_minor`;

const toTotals = (r: Record<string, unknown>): RevenueTotals => ({
  ...(r.tenant_id ? { tenantId: String(r.tenant_id), tenantName: String(r.tenant_name) } : {}),
  ...(r.month ? { month: String(r.month) } : {}),
  currency: String(r.currency).trim(),
  payments: Number(r.payments),
  capturedMinor: Number(r.captured_minor),
  refundedMinor: Number(r.refunded_minor),
  netMinor: Number(r.net_minor),
  platformFeeMinor: Number(r.platform_fee_minor),
  fundedMinor: Number(r.funded_minor),
});

/**
 * Money reports: a hospital's payments and monthly revenue (its admins, inside its tenant transaction), the same
 * totals per hospital for operators (operator data path), and a patient's own receipt. No clinical field is read.
 */
@Injectable()
export class RevenueReports {
  constructor(private readonly operatorDb: OperatorDatabase) {}

  /** Captured payments of the tenant, newest first. The reference is the case's readable number. */
  async lines(tx: EntityManager, options: { limit?: number } = {}): Promise<RevenueLine[]> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT p.id, p.case_id, c.number, p.status, p.currency, p.amount_minor, p.funded_minor, p.captured_minor, p.refunded_minor,
              p.application_fee_minor, p.created_at, p.captured_at
         FROM payments p JOIN cases c ON c.tenant_id = p.tenant_id AND c.id = p.case_id
        WHERE p.status NOT IN ('failed')
        ORDER BY p.created_at DESC LIMIT $1`,
      [options.limit ?? 10000],
    );
    return rows.map((r) => ({
      paymentId: String(r.id),
      caseId: String(r.case_id),
      reference: String(r.number),
      status: r.status as PaymentStatus,
      currency: String(r.currency).trim(),
      amountMinor: Number(r.amount_minor),
      fundedMinor: Number(r.funded_minor),
      capturedMinor: Number(r.captured_minor),
      refundedMinor: Number(r.refunded_minor),
      applicationFeeMinor: Number(r.application_fee_minor),
      createdAt: r.created_at as Date,
      capturedAt: (r.captured_at as Date | null) ?? null,
    }));
  }

  /** Per month of capture (UTC) and currency. */
  async monthly(tx: EntityManager): Promise<RevenueTotals[]> {
    const rows = await tx.query(`
      SELECT to_char(date_trunc('month', p.captured_at), 'YYYY-MM') AS month, p.currency, ${TOTALS}
        FROM payments p WHERE p.captured_at IS NOT NULL
       GROUP BY 1, 2 ORDER BY 1 DESC, 2`);
    return rows.map(toTotals);
  }

  /** Operators: every hospital's totals since `since`, through the operator data path (BYPASSRLS, reads only). */
  acrossTenants(since: Date): Promise<RevenueTotals[]> {
    return this.operatorDb.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT t.id AS tenant_id, t.name AS tenant_name, p.currency, ${TOTALS}
           FROM payments p JOIN tenants t ON t.id = p.tenant_id
          WHERE p.captured_at >= $1
          GROUP BY t.id, t.name, p.currency ORDER BY t.name, p.currency`,
        [since],
      );
      return rows.map(toTotals);
    });
  }

  /** Operators: each hospital's payment account status, for onboarding. */
  accountsAcrossTenants(): Promise<
    {
      tenantId: string;
      slug: string;
      name: string;
      provider: string | null;
      accountId: string | null;
      chargesEnabled: boolean;
      payoutsEnabled: boolean;
    }[]
  > {
    return this.operatorDb.transaction(async (tx) => {
      const rows: Record<string, unknown>[] = await tx.query(`
        SELECT t.id, t.slug, t.name, a.provider, a.account_id, coalesce(a.charges_enabled, false) AS charges_enabled, coalesce(a.payouts_enabled, false) AS payouts_enabled
          FROM tenants t LEFT JOIN tenant_payment_accounts a ON a.tenant_id = t.id ORDER BY t.name`);
      return rows.map((r) => ({
        tenantId: String(r.id),
        slug: String(r.slug),
        name: String(r.name),
        provider: (r.provider as string) ?? null,
        accountId: (r.account_id as string) ?? null,
        chargesEnabled: !!r.charges_enabled,
        payoutsEnabled: !!r.payouts_enabled,
      }));
    });
  }

  /**
   * A receipt: for a patient, theirs only (`patientId`); for the hospital's staff, any of the hospital's (null).
   * Anyone else's, or another hospital's, is "not found".
   */
  async receipt(tx: EntityManager, paymentId: string, patientId: string | null): Promise<Receipt> {
    const [r] = await tx.query(
      `SELECT p.id, c.number, p.status, p.currency, p.amount_minor, p.funded_minor, p.captured_minor, p.refunded_minor,
              p.authorized_at, p.captured_at, p.refunded_at
         FROM payments p JOIN cases c ON c.tenant_id = p.tenant_id AND c.id = p.case_id
        WHERE p.id = $1 AND ($2::uuid IS NULL OR p.patient_id = $2)`,
      [paymentId, patientId],
    );
    if (!r) throw new NotFound();
    return {
      paymentId: r.id,
      reference: `${r.number} · ${String(r.id).slice(0, 8).toUpperCase()}`,
      status: r.status,
      currency: String(r.currency).trim(),
      amountMinor: Number(r.amount_minor),
      fundedMinor: Number(r.funded_minor),
      capturedMinor: Number(r.captured_minor),
      refundedMinor: Number(r.refunded_minor),
      authorizedAt: r.authorized_at,
      capturedAt: r.captured_at,
      refundedAt: r.refunded_at,
    };
  }
}
