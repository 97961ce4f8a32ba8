import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, first, one, OperatorDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { PAYMENT_PROVIDER, PaymentProvider } from '../providers/payment-provider';

export interface PaymentAccount {
  tenantId: string;
  provider: 'stripe' | 'demo';
  accountId: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  platformFeeBps: number | null;
}

/**
 * Each hospital's own payment account (Stripe Connect): payments are destination charges to it, with the platform's
 * fee kept back. Operators start onboarding; Stripe's account.updated webhooks keep the status current.
 */
@Injectable()
export class PaymentAccounts {
  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly operatorDb: OperatorDatabase,
    private readonly config: AppConfig,
  ) {}

  async find(tx: EntityManager, tenantId: string): Promise<PaymentAccount | null> {
    const row = await first<Record<string, unknown>>(tx, 'SELECT * FROM tenant_payment_accounts WHERE tenant_id = $1', [tenantId]);
    return row ? toAccount(row) : null;
  }

  /** The platform's fee on `amountMinor` for this hospital, rounded to the nearest minor unit. */
  feeFor(account: PaymentAccount | null, amountMinor: number): number {
    const bps = account?.platformFeeBps ?? this.config.raw.PLATFORM_FEE_BPS;
    return Math.round((amountMinor * bps) / 10000);
  }

  /**
   * Operator action: makes sure the hospital has an account and answers the link where it finishes onboarding.
   * The demo provider has nothing to fill in: its account is ready at once and the link goes straight back.
   */
  async startOnboarding(tenantId: string, urls: { returnUrl: string; refreshUrl: string }): Promise<string> {
    const existing = await this.operatorDb.forTenant(tenantId, (tx) => this.find(tx, tenantId));
    const accountId = existing?.accountId ?? (await this.provider.createAccount(tenantId)).accountId;
    if (!existing) {
      const ready = this.provider.name === 'demo';
      await this.operatorDb.forTenant(tenantId, (tx) =>
        tx.query(
          `INSERT INTO tenant_payment_accounts (tenant_id, provider, account_id, charges_enabled, payouts_enabled, details_submitted)
           VALUES ($1, $2, $3, $4, $4, $4) ON CONFLICT (tenant_id) DO NOTHING`,
          [tenantId, this.provider.name, accountId, ready],
        ),
      );
    }
    return this.provider.onboardingLink({ tenantId, accountId, ...urls });
  }

  /** From account.updated: only a newer status replaces an older one, so late deliveries change nothing. */
  async applyStatus(
    tx: EntityManager,
    tenantId: string,
    status: { accountId: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean },
    at: Date,
  ): Promise<boolean> {
    const { updated } = await one<{ updated: number }>(
      tx,
      `WITH updated AS (
         UPDATE tenant_payment_accounts
            SET charges_enabled = $3, payouts_enabled = $4, details_submitted = $5, status_at = $6, updated_at = now()
          WHERE tenant_id = $1 AND account_id = $2 AND (status_at IS NULL OR status_at <= $6)
          RETURNING tenant_id)
       SELECT count(*)::int AS updated FROM updated`,
      [tenantId, status.accountId, status.chargesEnabled, status.payoutsEnabled, status.detailsSubmitted, at],
    );
    return updated > 0;
  }
}

function toAccount(row: Record<string, unknown>): PaymentAccount {
  return {
    tenantId: row.tenant_id as string,
    provider: row.provider as 'stripe' | 'demo',
    accountId: row.account_id as string,
    chargesEnabled: row.charges_enabled as boolean,
    payoutsEnabled: row.payouts_enabled as boolean,
    detailsSubmitted: row.details_submitted as boolean,
    platformFeeBps: (row.platform_fee_bps as number | null) ?? null,
  };
}
