import { Inject, Injectable } from '@nestjs/common';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { PAYMENT_PROVIDER, PaymentProvider, ProviderPaymentIntent } from '../providers/payment-provider';
import type { PaymentStatus } from './payment-status';

export type DifferenceKind = 'missing_locally' | 'missing_at_provider' | 'status' | 'amount';

export interface ReconciliationDifference {
  kind: DifferenceKind;
  paymentIntentId: string;
  tenantId: string | null;
  paymentId: string | null;
  local?: { status: PaymentStatus; capturedMinor: number; currency: string };
  provider?: { status: ProviderPaymentIntent['status']; receivedMinor: number; currency: string };
}

export interface ReconciliationReport {
  provider: string;
  since: Date;
  checkedAtProvider: number;
  checkedLocally: number;
  differences: ReconciliationDifference[];
}

interface LocalRow {
  tenant_id: string;
  id: string;
  payment_intent_id: string | null;
  status: PaymentStatus;
  captured_minor: number;
  currency: string;
  created_at: Date;
}

/** How a local status reads in the provider's terms: what its payment intent should say. */
const EXPECTED: Record<PaymentStatus, ProviderPaymentIntent['status'][]> = {
  pending: ['pending', 'failed'],
  failed: ['pending', 'failed', 'released'],
  authorized: ['authorized'],
  released: ['released'],
  captured: ['captured'],
  partially_refunded: ['captured'],
  refunded: ['captured'],
  disputed: ['captured'],
};

/**
 * Compares our payments with the provider's for the last N days, across every hospital (operator data path), and
 * answers the differences: a payment one side has and the other lacks, a status or a captured amount that disagree.
 * Run by operators (`npm run cli -- payments reconcile --days 7`) and, once jobs land, nightly by a job.
 */
@Injectable()
export class PaymentsReconciliation {
  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly operatorDb: OperatorDatabase,
  ) {}

  async reconcile(days: number, now = new Date()): Promise<ReconciliationReport> {
    const since = new Date(now.getTime() - days * 86400000);
    const remote: ProviderPaymentIntent[] = [];
    for await (const intent of this.provider.listPaymentIntents(since)) {
      // Payments of other integrations on the same Stripe account are not ours to judge.
      if (intent.metadata.tenant_id) remote.push(intent);
    }
    // A payment row is created before its intent: look a day further back locally so edges still match.
    const local: LocalRow[] = await this.operatorDb.transaction((tx) =>
      tx.query(
        `SELECT tenant_id, id, payment_intent_id, status, captured_minor, currency, created_at
           FROM payments WHERE provider = $1 AND created_at >= $2::timestamptz - interval '1 day'`,
        [this.provider.name, since],
      ),
    );
    const byIntent = new Map(local.filter((r) => r.payment_intent_id).map((r) => [r.payment_intent_id!, r]));
    const byId = new Map(local.map((r) => [r.id, r]));
    const differences: ReconciliationDifference[] = [];
    const seen = new Set<string>();

    for (const intent of remote) {
      const row = byIntent.get(intent.id) ?? (intent.metadata.payment_id ? byId.get(intent.metadata.payment_id) : undefined);
      const providerView = { status: intent.status, receivedMinor: intent.receivedMinor, currency: intent.currency };
      if (!row) {
        differences.push({
          kind: 'missing_locally',
          paymentIntentId: intent.id,
          tenantId: intent.metadata.tenant_id ?? null,
          paymentId: intent.metadata.payment_id ?? null,
          provider: providerView,
        });
        continue;
      }
      seen.add(row.id);
      const localView = { status: row.status, capturedMinor: row.captured_minor, currency: row.currency.trim() };
      const base = { paymentIntentId: intent.id, tenantId: row.tenant_id, paymentId: row.id, local: localView, provider: providerView };
      if (!EXPECTED[row.status].includes(intent.status)) differences.push({ kind: 'status', ...base });
      else if (intent.status === 'captured' && intent.receivedMinor !== row.captured_minor) differences.push({ kind: 'amount', ...base });
    }
    for (const row of local) {
      if (!row.payment_intent_id || seen.has(row.id) || row.created_at < since) continue;
      differences.push({
        kind: 'missing_at_provider',
        paymentIntentId: row.payment_intent_id,
        tenantId: row.tenant_id,
        paymentId: row.id,
        local: { status: row.status, capturedMinor: row.captured_minor, currency: row.currency.trim() },
      });
    }
    return { provider: this.provider.name, since, checkedAtProvider: remote.length, checkedLocally: local.length, differences };
  }
}
