import { Injectable } from '@nestjs/common';
import { first } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { hashToken, newToken } from './tokens';

export type TokenPurpose = 'magic_link' | 'password_reset' | 'invitation' | 'email_verification';

/** How long each kind of link works. Short for sign-in links, longer for an invitation a person may open tomorrow. */
export const TOKEN_LIFETIME_MINUTES: Record<TokenPurpose, number> = {
  magic_link: 15,
  password_reset: 30,
  invitation: 7 * 24 * 60,
  email_verification: 24 * 60,
};

/** One-time links: stored hashed, usable once, expiring; issuing a new one voids the older ones of that purpose. */
@Injectable()
export class OneTimeTokens {
  async issue(tx: EntityManager, tenantId: string, accountId: string, purpose: TokenPurpose): Promise<string> {
    await tx.query(`UPDATE auth_tokens SET used_at = now() WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL`, [
      accountId,
      purpose,
    ]);
    const { token, hash } = newToken();
    await tx.query(
      `INSERT INTO auth_tokens (tenant_id, account_id, purpose, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
      [tenantId, accountId, purpose, hash, TOKEN_LIFETIME_MINUTES[purpose]],
    );
    return token;
  }

  /** The account a still-valid token belongs to, without using it up (to show the form it leads to). */
  async peek(tx: EntityManager, token: string, purpose: TokenPurpose): Promise<string | null> {
    const row = await first<{ account_id: string }>(
      tx,
      `SELECT account_id FROM auth_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [hashToken(token), purpose],
    );
    return row?.account_id ?? null;
  }

  /** Uses the token up and returns its account, or null if unknown, used or expired. Atomic: two tabs, one winner. */
  async consume(tx: EntityManager, token: string, purpose: TokenPurpose): Promise<string | null> {
    const row = await first<{ account_id: string }>(
      tx,
      `UPDATE auth_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING account_id`,
      [hashToken(token), purpose],
    );
    return row?.account_id ?? null;
  }
}
