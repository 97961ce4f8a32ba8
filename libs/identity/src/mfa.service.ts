import { Injectable } from '@nestjs/common';
import { AppConfig, first, InvalidInput, msg, rows, SecretBox, TenantDatabase } from '@consilium/core';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Account } from './account.entity';
import { matchTotp, newTotpSecret, otpauthUri, qrDataUrl } from './totp';

export interface Enrollment {
  secret: string;
  qr: string;
  uri: string;
}

/** Ten single-use recovery codes like `7KQ4-M2XD`; shown once at enrollment. */
export function newRecoveryCodes(): string[] {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from({ length: 10 }, () => {
    const bytes = randomBytes(8);
    const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4)}`;
  });
}

export function hashRecoveryCode(code: string): Buffer {
  return createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest();
}

/**
 * The TOTP second factor for tenant staff (and anyone who opts in): enrollment with a QR code, verification that
 * refuses a replayed code, and single-use recovery codes. Seeds are stored encrypted.
 */
@Injectable()
export class MfaService {
  private readonly box: SecretBox;

  constructor(
    private readonly db: TenantDatabase,
    config: AppConfig,
  ) {
    this.box = new SecretBox(config.appSecret, 'totp');
  }

  /** A fresh seed, kept pending until a code from it is entered. */
  async beginEnrollment(accountId: string, issuer: string): Promise<Enrollment> {
    const secret = newTotpSecret();
    const account = await this.db.transaction(async (tx) => {
      await tx.query('UPDATE accounts SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1', [
        accountId,
        this.box.seal(secret),
      ]);
      return tx.findOneByOrFail(Account, { id: accountId });
    });
    const uri = otpauthUri(secret, issuer, account.email);
    return { secret, uri, qr: await qrDataUrl(uri) };
  }

  /** Confirms enrollment with a first code; returns the recovery codes to show once. */
  async confirmEnrollment(tx: EntityManager, accountId: string, code: string): Promise<string[]> {
    if (!(await this.verifyTotp(tx, accountId, code, true))) {
      throw new InvalidInput({ code: msg('identity.mfa.mismatch') });
    }
    await tx.query('UPDATE accounts SET totp_enabled_at = now() WHERE id = $1', [accountId]);
    const codes = newRecoveryCodes();
    await tx.query('DELETE FROM recovery_codes WHERE account_id = $1', [accountId]);
    for (const c of codes) {
      await tx.query('INSERT INTO recovery_codes (tenant_id, account_id, code_hash) SELECT tenant_id, id, $2 FROM accounts WHERE id = $1', [
        accountId,
        hashRecoveryCode(c),
      ]);
    }
    return codes;
  }

  /** A TOTP code or an unused recovery code. */
  async verify(tx: EntityManager, accountId: string, code: string): Promise<boolean> {
    if (/^\s*\d{3}\s?\d{3}\s*$/.test(code)) return this.verifyTotp(tx, accountId, code, false);
    const used = await rows<{ id: string }>(
      tx,
      `UPDATE recovery_codes SET used_at = now() WHERE id = (
         SELECT id FROM recovery_codes WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1
       ) RETURNING id`,
      [accountId, hashRecoveryCode(code)],
    );
    return used.length === 1;
  }

  private async verifyTotp(tx: EntityManager, accountId: string, code: string, pending: boolean): Promise<boolean> {
    const row = await first<{ totp_secret: string; totp_last_step: string | null }>(
      tx,
      `SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_enabled_at IS NULL) = $2 FOR UPDATE`,
      [accountId, pending],
    );
    if (!row) return false;
    const step = matchTotp(this.box.open(row.totp_secret), code, row.totp_last_step === null ? null : Number(row.totp_last_step));
    if (step === null) return false;
    await tx.query('UPDATE accounts SET totp_last_step = $2 WHERE id = $1', [accountId, step]);
    return true;
  }
}
