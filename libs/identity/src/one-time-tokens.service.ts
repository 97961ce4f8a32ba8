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
  /**
   * `pending` rides with an email-verification link: the password chosen at sign-up (a hash) and the page to return
   * to, applied only when the address's owner opens the link.
   */
  async issue(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    purpose: TokenPurpose,
    pending: { passwordHash?: string; nextPath?: string | null } = {},
  ): Promise<string> {
    await this.voidAll(tx, accountId, purpose);
    const { token, hash } = newToken();
    await tx.query(
      `INSERT INTO auth_tokens (tenant_id, account_id, purpose, token_hash, expires_at, password_hash, next_path)
       VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5), $6, $7)`,
      [tenantId, accountId, purpose, hash, TOKEN_LIFETIME_MINUTES[purpose], pending.passwordHash ?? null, pending.nextPath ?? null],
    );
    return token;
  }

  /** Voids an account's unused links of one purpose (a waiting sign-up's password hash goes with them). */
  async voidAll(tx: EntityManager, accountId: string, purpose: TokenPurpose): Promise<void> {
    await tx.query(
      `UPDATE auth_tokens SET used_at = now(), password_hash = NULL WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [accountId, purpose],
    );
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

  /** Uses up a sign-up's email-verification link: its account, and what the sign-up left waiting on it. */
  async consumeSignUp(
    tx: EntityManager,
    token: string,
  ): Promise<{ accountId: string; passwordHash: string | null; nextPath: string | null } | null> {
    const row = await first<{ account_id: string; password_hash: string | null; next_path: string | null }>(
      tx,
      // The waiting password hash leaves the token as it is used: it lives on in the account only.
      `WITH t AS (
         SELECT tenant_id, id, password_hash, next_path FROM auth_tokens
          WHERE token_hash = $1 AND purpose = 'email_verification' AND used_at IS NULL AND expires_at > now() FOR UPDATE)
       UPDATE auth_tokens a SET used_at = now(), password_hash = NULL FROM t
        WHERE a.tenant_id = t.tenant_id AND a.id = t.id
       RETURNING a.account_id, t.password_hash, t.next_path`,
      [hashToken(token)],
    );
    return row ? { accountId: row.account_id, passwordHash: row.password_hash, nextPath: row.next_path } : null;
  }
}
