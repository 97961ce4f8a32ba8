import { Injectable } from '@nestjs/common';
import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';

/** A number as the person may type it (spaces, dashes, dots, brackets) made E.164; null when it cannot be one. */
export function normalisePhone(typed: string): string | null {
  const compact = typed.trim().replace(/[\s().-]/g, '');
  const e164 = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return /^\+[1-9][0-9]{6,14}$/.test(e164) ? e164 : null;
}

export interface SmsConsent {
  phone: string;
  consentedAt: Date;
  revokedAt: Date | null;
  revokedBy: 'patient' | 'stop_keyword' | null;
}

/**
 * A patient's consent to texts: the number, when consent was given, and when and how it ended (the patient in their
 * settings, or a STOP to the hospital's number). A text goes only to a number whose consent stands.
 */
@Injectable()
export class SmsConsents {
  async of(tx: EntityManager, accountId: string): Promise<SmsConsent | null> {
    const row = await first<{ phone: string; consented_at: Date; revoked_at: Date | null; revoked_by: SmsConsent['revokedBy'] }>(
      tx,
      'SELECT phone, consented_at, revoked_at, revoked_by FROM sms_consents WHERE account_id = $1',
      [accountId],
    );
    if (!row) return null;
    return { phone: row.phone, consentedAt: row.consented_at, revokedAt: row.revoked_at, revokedBy: row.revoked_by };
  }

  /** The number texts go to, or null without standing consent. */
  async activeNumber(tx: EntityManager, accountId: string): Promise<string | null> {
    const consent = await this.of(tx, accountId);
    return consent && !consent.revokedAt ? consent.phone : null;
  }

  /** Consent given now (again, or for a new number): the time is the time of this choice. */
  async grant(tx: EntityManager, tenantId: string, accountId: string, phone: string, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO sms_consents (tenant_id, account_id, phone, consented_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET phone = $3, consented_at = $4, revoked_at = NULL, revoked_by = NULL`,
      [tenantId, accountId, phone, at],
    );
  }

  async withdraw(tx: EntityManager, accountId: string, at: Date): Promise<void> {
    await tx.query(`UPDATE sms_consents SET revoked_at = $2, revoked_by = 'patient' WHERE account_id = $1 AND revoked_at IS NULL`, [
      accountId,
      at,
    ]);
  }

  /** STOP from a number: every standing consent for it ends. Returns the accounts it ended for. */
  async stop(tx: EntityManager, phone: string, at: Date): Promise<string[]> {
    // A CTE, so the driver answers rows (a bare UPDATE ... RETURNING comes back as [rows, count]).
    const rows: { account_id: string }[] = await tx.query(
      `WITH ended AS (
         UPDATE sms_consents SET revoked_at = $2, revoked_by = 'stop_keyword' WHERE phone = $1 AND revoked_at IS NULL RETURNING account_id
       ) SELECT account_id FROM ended`,
      [phone, at],
    );
    return rows.map((r) => r.account_id);
  }
}
