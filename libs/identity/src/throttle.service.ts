import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';

/** Free failures before delays start, per key kind; each further failure doubles the wait, up to 15 minutes. */
const FREE_FAILURES = { account: 4, ip: 20 } as const;
const MAX_DELAY_SECONDS = 15 * 60;
/** After an hour without failures, a key starts over. */
const WINDOW_SECONDS = 60 * 60;
/** The owner is told once per window, after this many failures on their account. */
export const NOTIFY_AFTER_FAILURES = 5;

export interface ThrottleKeys {
  /** The account key is derived from the email typed, so it behaves the same whether the account exists or not. */
  account: string;
  ip?: string;
}

/**
 * Sign-in throttling per account and per IP, with growing delays, kept in PostgreSQL so every instance agrees.
 * Global (no tenant): an attacker spreading guesses over several hospital hosts is still one IP. auth_throttle has
 * no tenant_id, so it is read and written with no tenant set.
 */
@Injectable()
export class SignInThrottle {
  constructor(private readonly db: TenantDatabase) {}

  /** Seconds until another attempt is allowed (0: go ahead). */
  async waitSeconds(keys: ThrottleKeys): Promise<number> {
    const rows: { wait: number }[] = await this.db.withoutTenant((tx) =>
      tx.query(
        `SELECT coalesce(max(extract(epoch FROM blocked_until - now())), 0)::float AS wait
           FROM auth_throttle WHERE key = ANY($1) AND blocked_until > now()`,
        [this.keyList(keys)],
      ),
    );
    return Math.ceil(rows[0]?.wait ?? 0);
  }

  /** Records a failure; true when the account owner should now be told (once per window). */
  fail(keys: ThrottleKeys): Promise<{ notifyOwner: boolean }> {
    return this.db.withoutTenant((tx) => this.failIn(tx, keys));
  }

  private async failIn(tx: EntityManager, keys: ThrottleKeys): Promise<{ notifyOwner: boolean }> {
    let notifyOwner = false;
    for (const [kind, key] of this.entries(keys)) {
      const [row]: { failures: number; notify: boolean }[] = await tx.query(
        `INSERT INTO auth_throttle AS t (key, failures, first_failure_at) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.first_failure_at < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
           first_failure_at = CASE WHEN t.first_failure_at < now() - make_interval(secs => $2) THEN now() ELSE t.first_failure_at END,
           notified_at = CASE WHEN t.first_failure_at < now() - make_interval(secs => $2) THEN NULL ELSE t.notified_at END
         RETURNING failures, (notified_at IS NULL) AS notify`,
        [key, WINDOW_SECONDS],
      );
      const over = row.failures - FREE_FAILURES[kind];
      if (over > 0) {
        const delay = Math.min(2 ** (over - 1), MAX_DELAY_SECONDS);
        await tx.query(`UPDATE auth_throttle SET blocked_until = now() + make_interval(secs => $2) WHERE key = $1`, [key, delay]);
      }
      if (kind === 'account' && row.failures >= NOTIFY_AFTER_FAILURES && row.notify) {
        await tx.query(`UPDATE auth_throttle SET notified_at = now() WHERE key = $1`, [key]);
        notifyOwner = true;
      }
    }
    return { notifyOwner };
  }

  /** A successful sign-in clears the account's record (not the IP's: one good password does not excuse a spray). */
  async succeed(keys: ThrottleKeys): Promise<void> {
    await this.db.withoutTenant((tx) => tx.query('DELETE FROM auth_throttle WHERE key = $1', [`account:${keys.account}`]));
  }

  private entries(keys: ThrottleKeys): ['account' | 'ip', string][] {
    const out: ['account' | 'ip', string][] = [['account', `account:${keys.account}`]];
    if (keys.ip) out.push(['ip', `ip:${keys.ip}`]);
    return out;
  }

  private keyList(keys: ThrottleKeys): string[] {
    return this.entries(keys).map(([, key]) => key);
  }
}
