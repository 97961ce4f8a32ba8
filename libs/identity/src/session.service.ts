import { Injectable } from '@nestjs/common';
import { affected, AppConfig, first, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { AccountKind } from './account.entity';
import { hashToken, newToken } from './tokens';

export interface ActiveSession {
  id: string;
  accountId: string;
  kind: AccountKind;
  roles: string[];
  mfaVerified: boolean;
  scopeCaseId: string | null;
  totpEnabled: boolean;
}

export interface SessionListing {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/** Touching last_seen_at on every request would turn reads into writes; once a minute is precise enough. */
const TOUCH_AFTER_SECONDS = 60;

/**
 * Server-side sessions for tenant accounts. The cookie holds an opaque token; the row holds its SHA-256, the idle and
 * absolute limits, and whether the second factor was passed. The lookup runs inside the host's tenant transaction,
 * so a cookie from one hospital's host is not a session on another's.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly config: AppConfig,
    private readonly context: RequestContext,
  ) {}

  idleSecondsFor(kind: AccountKind): number {
    const minutes = kind === 'staff' ? this.config.raw.SESSION_IDLE_MINUTES_STAFF : this.config.raw.SESSION_IDLE_MINUTES_PATIENT;
    return minutes * 60;
  }

  /** A new session (a new token at every sign-in). Returns the token for the cookie. */
  async create(
    tx: EntityManager,
    accountId: string,
    kind: AccountKind,
    options: { mfaVerified?: boolean } = {},
  ): Promise<{ token: string; id: string }> {
    const { token, hash } = newToken();
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO sessions (tenant_id, account_id, token_hash, idle_timeout_seconds, expires_at, mfa_verified_at, ip, user_agent)
       VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5), CASE WHEN $6 THEN now() END, $7, $8) RETURNING id`,
      [
        this.context.tenant().id,
        accountId,
        hash,
        this.idleSecondsFor(kind),
        this.config.raw.SESSION_ABSOLUTE_HOURS,
        options.mfaVerified ?? false,
        this.context.ip() ?? null,
        this.context.userAgent() ?? null,
      ],
    );
    return { token, id: row.id };
  }

  /** The live session behind a cookie token, or null (unknown, revoked, idle too long, expired, account disabled). */
  resolve(token: string): Promise<ActiveSession | null> {
    return this.db.transaction(async (tx) => {
      const row = await first<{
        id: string;
        account_id: string;
        kind: AccountKind;
        mfa: boolean;
        scope_case_id: string | null;
        totp: boolean;
        /** Seconds, as numeric (a string). */
        idle_for: string;
        roles: string[];
      }>(
        tx,
        `SELECT s.id, s.account_id, a.kind, s.mfa_verified_at IS NOT NULL AS mfa, a.scope_case_id, a.totp_enabled_at IS NOT NULL AS totp,
                extract(epoch FROM now() - s.last_seen_at) AS idle_for,
                coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM staff_roles r WHERE r.tenant_id = a.tenant_id AND r.account_id = a.id), '{}') AS roles
           FROM sessions s JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
          WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
            AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
            AND a.disabled_at IS NULL`,
        [hashToken(token)],
      );
      if (!row) return null;
      if (Number(row.idle_for) > TOUCH_AFTER_SECONDS) {
        await tx.query('UPDATE sessions SET last_seen_at = now() WHERE id = $1', [row.id]);
      }
      return {
        id: row.id,
        accountId: row.account_id,
        kind: row.kind,
        roles: row.roles,
        mfaVerified: row.mfa,
        scopeCaseId: row.scope_case_id,
        totpEnabled: row.totp,
      };
    });
  }

  /** A privilege change (second factor passed) gets a new token; the old one stops working at once. */
  async elevate(tx: EntityManager, sessionId: string): Promise<string> {
    const { token, hash } = newToken();
    await tx.query(
      'UPDATE sessions SET token_hash = $2, mfa_verified_at = now(), last_seen_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [sessionId, hash],
    );
    return token;
  }

  async revoke(tx: EntityManager, sessionId: string): Promise<void> {
    await tx.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
  }

  /** Sign out everywhere (optionally keeping the current session). */
  async revokeAll(tx: EntityManager, accountId: string, keepSessionId?: string): Promise<number> {
    return affected(
      tx,
      'UPDATE sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)',
      [accountId, keepSessionId ?? null],
    );
  }

  list(accountId: string, currentId: string): Promise<SessionListing[]> {
    return this.db.transaction(async (tx) => {
      const sessions = await rows<{ id: string; created_at: Date; last_seen_at: Date; ip: string | null; user_agent: string | null }>(
        tx,
        `SELECT id, created_at, last_seen_at, host(ip) AS ip, user_agent FROM sessions
          WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()
            AND last_seen_at > now() - make_interval(secs => idle_timeout_seconds)
          ORDER BY last_seen_at DESC`,
        [accountId],
      );
      return sessions.map((r) => ({
        id: r.id,
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        ip: r.ip,
        userAgent: r.user_agent,
        current: r.id === currentId,
      }));
    });
  }
}
