import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { EmailSuppression } from './email-suppression.entity';

export interface NewSuppression {
  address: string;
  reason: 'bounce' | 'complaint';
  detail?: string;
  feedbackId?: string;
}

/** Each tenant's do-not-send list. A bounce from one hospital's mail never stops another hospital's. */
@Injectable()
export class SuppressionList {
  constructor(private readonly db: TenantDatabase) {}

  /** `tx` is the tenant's transaction: row-level security keeps the lookup to that tenant's list. */
  find(tx: EntityManager, address: string): Promise<EmailSuppression | null> {
    return tx.findOneBy(EmailSuppression, { address: address.trim().toLowerCase() });
  }

  /** Adds (or refreshes) entries for `tenantId`; returns how many addresses are now suppressed by this call. */
  add(tenantId: string, entries: NewSuppression[]): Promise<number> {
    if (!entries.length) return Promise.resolve(0);
    return this.db.forTenant(tenantId, async (tx) => {
      for (const entry of entries) {
        await tx.query(
          `INSERT INTO email_suppressions (tenant_id, address, reason, detail, feedback_id) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, address) DO UPDATE
             SET reason = EXCLUDED.reason, detail = EXCLUDED.detail, feedback_id = EXCLUDED.feedback_id, updated_at = now()`,
          [tenantId, entry.address.trim().toLowerCase(), entry.reason, entry.detail ?? null, entry.feedbackId ?? null],
        );
      }
      return entries.length;
    });
  }
}
