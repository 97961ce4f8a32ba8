import { Injectable } from '@nestjs/common';
import { first, NotFound, rows } from '@consilium/core';
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
  /** The offering bought, for its refund rules (null for an extra or a withdrawn offering). */
  offeringSlug: string | null;
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

/** A row of TOTALS, grouped by tenant or by month. Sums are bigint, which pg hands over as strings. */
interface TotalsRow {
  tenant_id?: string;
  tenant_name?: string;
  month?: string;
  currency: string;
  payments: number;
  captured_minor: string;
  refunded_minor: string;
  net_minor: string;
  platform_fee_minor: string;
  funded_minor: string;
}

const toTotals = (r: TotalsRow): RevenueTotals => ({
  ...(r.tenant_id ? { tenantId: r.tenant_id, tenantName: String(r.tenant_name) } : {}),
  ...(r.month ? { month: r.month } : {}),
  currency: r.currency.trim(),
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
    const payments = await rows<{
      id: string;
      case_id: string;
      number: string;
      status: PaymentStatus;
      currency: string;
      amount_minor: number;
      funded_minor: number;
      captured_minor: number;
      refunded_minor: number;
      application_fee_minor: number;
      created_at: Date;
      captured_at: Date | null;
    }>(
      tx,
      `SELECT p.id, p.case_id, c.number, p.status, p.currency, p.amount_minor, p.funded_minor, p.captured_minor, p.refunded_minor,
              p.application_fee_minor, p.created_at, p.captured_at
         FROM payments p JOIN cases c ON c.tenant_id = p.tenant_id AND c.id = p.case_id
        WHERE p.status NOT IN ('failed')
        ORDER BY p.created_at DESC LIMIT $1`,
      [options.limit ?? 10000],
    );
    return payments.map((r) => ({
      paymentId: r.id,
      caseId: r.case_id,
      reference: r.number,
      status: r.status,
      currency: r.currency.trim(),
      amountMinor: Number(r.amount_minor),
      fundedMinor: Number(r.funded_minor),
      capturedMinor: Number(r.captured_minor),
      refundedMinor: Number(r.refunded_minor),
      applicationFeeMinor: Number(r.application_fee_minor),
      createdAt: r.created_at,
      capturedAt: r.captured_at,
    }));
  }

  /** Per month of capture (UTC) and currency. */
  async monthly(tx: EntityManager): Promise<RevenueTotals[]> {
    const totals = await rows<TotalsRow>(
      tx,
      `
      SELECT to_char(date_trunc('month', p.captured_at), 'YYYY-MM') AS month, p.currency, ${TOTALS}
        FROM payments p WHERE p.captured_at IS NOT NULL
       GROUP BY 1, 2 ORDER BY 1 DESC, 2`,
    );
    return totals.map(toTotals);
  }

  /** Operators: every hospital's totals since `since`, through the operator data path (BYPASSRLS, reads only). */
  acrossTenants(since: Date): Promise<RevenueTotals[]> {
    return this.operatorDb.transaction(async (tx) => {
      const totals = await rows<TotalsRow>(
        tx,
        `SELECT t.id AS tenant_id, t.name AS tenant_name, p.currency, ${TOTALS}
           FROM payments p JOIN tenants t ON t.id = p.tenant_id
          WHERE p.captured_at >= $1
          GROUP BY t.id, t.name, p.currency ORDER BY t.name, p.currency`,
        [since],
      );
      return totals.map(toTotals);
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
      const accounts = await rows<{
        id: string;
        slug: string;
        name: string;
        provider: string | null;
        account_id: string | null;
        charges_enabled: boolean;
        payouts_enabled: boolean;
      }>(
        tx,
        `
        SELECT t.id, t.slug, t.name, a.provider, a.account_id, coalesce(a.charges_enabled, false) AS charges_enabled, coalesce(a.payouts_enabled, false) AS payouts_enabled
          FROM tenants t LEFT JOIN tenant_payment_accounts a ON a.tenant_id = t.id ORDER BY t.name`,
      );
      return accounts.map((r) => ({
        tenantId: r.id,
        slug: r.slug,
        name: r.name,
        provider: r.provider,
        accountId: r.account_id,
        chargesEnabled: r.charges_enabled,
        payoutsEnabled: r.payouts_enabled,
      }));
    });
  }

  /**
   * A receipt: for a patient, theirs only (`patientId`); for the hospital's staff, any of the hospital's (null).
   * Anyone else's, or another hospital's, is "not found".
   */
  async receipt(tx: EntityManager, paymentId: string, patientId: string | null): Promise<Receipt> {
    const r = await first<{
      id: string;
      number: string;
      status: PaymentStatus;
      currency: string;
      amount_minor: number;
      funded_minor: number;
      captured_minor: number;
      refunded_minor: number;
      authorized_at: Date | null;
      captured_at: Date | null;
      refunded_at: Date | null;
      offering_slug: string | null;
    }>(
      tx,
      `SELECT p.id, c.number, p.status, p.currency, p.amount_minor, p.funded_minor, p.captured_minor, p.refunded_minor,
              p.authorized_at, p.captured_at, p.refunded_at, o.slug AS offering_slug
         FROM payments p JOIN cases c ON c.tenant_id = p.tenant_id AND c.id = p.case_id
         LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id
        WHERE p.id = $1 AND ($2::uuid IS NULL OR p.patient_id = $2)`,
      [paymentId, patientId],
    );
    if (!r) throw new NotFound();
    return {
      paymentId: r.id,
      reference: `${r.number} · ${r.id.slice(0, 8).toUpperCase()}`,
      status: r.status,
      currency: r.currency.trim(),
      amountMinor: Number(r.amount_minor),
      fundedMinor: Number(r.funded_minor),
      capturedMinor: Number(r.captured_minor),
      refundedMinor: Number(r.refunded_minor),
      authorizedAt: r.authorized_at,
      capturedAt: r.captured_at,
      refundedAt: r.refunded_at,
      offeringSlug: r.offering_slug,
    };
  }
}
