import { Injectable } from '@nestjs/common';
import { AppConfig, Clock, first, InvalidInput, one, RequestContext, rows, SecretBox } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { EntityManager } from 'typeorm';
import { hashRecoveryCode, newRecoveryCodes } from '../mfa.service';
import { hashPassword, passwordProblem, verifyPassword } from '../password-policy';
import { SignInRefused } from '../accounts.service';
import { hashToken, newToken } from '../tokens';
import { matchTotp, newTotpSecret, otpauthUri, qrDataUrl } from '../totp';

export interface OperatorSession {
  id: string;
  operatorId: string;
  mfaVerified: boolean;
  totpEnabled: boolean;
}

const OPERATOR_IDLE_SECONDS = 15 * 60;

/**
 * Platform operators: accounts, sessions and their mandatory second factor, all through the operator data path
 * (the runtime role cannot even read these tables).
 */
@Injectable()
export class OperatorAccounts {
  private readonly box: SecretBox;

  constructor(
    private readonly db: OperatorDatabase,
    private readonly config: AppConfig,
    private readonly context: RequestContext,
    private readonly clock: Clock,
  ) {
    this.box = new SecretBox(config.appSecret, 'totp');
  }

  /** Whether an operator with this email exists (the demo seed creates one only when missing). */
  async exists(email: string): Promise<boolean> {
    const rows = await this.db.transaction((tx): Promise<unknown[]> =>
      tx.query('SELECT 1 FROM operators WHERE email = $1', [email.trim().toLowerCase()]),
    );
    return rows.length > 0;
  }

  /** Creates or updates an operator (CLI and the demo seed). A given TOTP seed is enrolled at once. */
  async upsert(input: { email: string; name: string; password: string; totpSecret?: string }): Promise<string> {
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw new InvalidInput({ password: problem });
    const hash = await hashPassword(input.password);
    const row = await this.db.transaction((tx) =>
      one<{ id: string }>(
        tx,
        `INSERT INTO operators (email, name, password_hash, totp_secret, totp_enabled_at) VALUES ($1, $2, $3, $4, CASE WHEN $4::text IS NOT NULL THEN now() END)
         ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,
           totp_secret = coalesce(EXCLUDED.totp_secret, operators.totp_secret),
           totp_enabled_at = coalesce(operators.totp_enabled_at, EXCLUDED.totp_enabled_at), disabled_at = NULL
         RETURNING id`,
        [input.email.trim().toLowerCase(), input.name, hash, input.totpSecret ? this.box.seal(input.totpSecret) : null],
      ),
    );
    return row.id;
  }

  /** Wrong guesses are limited per address and per IP by the sign-in route's `@RateLimit('sign-in')`. */
  async authenticate(emailTyped: string, password: string): Promise<string> {
    const email = emailTyped.trim().toLowerCase();
    const row = await this.db.transaction((tx) =>
      first<{ id: string; password_hash: string | null; disabled_at: Date | null }>(
        tx,
        'SELECT id, password_hash, disabled_at FROM operators WHERE email = $1',
        [email],
      ),
    );
    if (!(await verifyPassword(row?.password_hash, password)) || !row || row.disabled_at) throw new SignInRefused();
    return row.id;
  }

  async createSession(operatorId: string): Promise<string> {
    const { token, hash } = newToken();
    await this.db.transaction((tx) =>
      tx.query(
        `INSERT INTO operator_sessions (operator_id, token_hash, idle_timeout_seconds, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5, $6)`,
        [
          operatorId,
          hash,
          OPERATOR_IDLE_SECONDS,
          this.config.raw.SESSION_ABSOLUTE_HOURS,
          this.context.ip() ?? null,
          this.context.userAgent() ?? null,
        ],
      ),
    );
    return token;
  }

  resolveSession(token: string): Promise<OperatorSession | null> {
    return this.db.transaction(async (tx) => {
      const row = await first<{ id: string; operator_id: string; mfa: boolean; totp: boolean }>(
        tx,
        `UPDATE operator_sessions s SET last_seen_at = now() FROM operators o
          WHERE s.token_hash = $1 AND o.id = s.operator_id AND o.disabled_at IS NULL AND s.revoked_at IS NULL
            AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
          RETURNING s.id, s.operator_id, s.mfa_verified_at IS NOT NULL AS mfa, o.totp_enabled_at IS NOT NULL AS totp`,
        [hashToken(token)],
      );
      return row ? { id: row.id, operatorId: row.operator_id, mfaVerified: row.mfa, totpEnabled: row.totp } : null;
    });
  }

  async beginEnrollment(operatorId: string): Promise<{ secret: string; qr: string }> {
    const secret = newTotpSecret();
    const row = await this.db.transaction((tx) =>
      one<{ email: string }>(
        tx,
        'UPDATE operators SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1 RETURNING email',
        [operatorId, this.box.seal(secret)],
      ),
    );
    return { secret, qr: await qrDataUrl(otpauthUri(secret, 'Consilium operators', row.email)) };
  }

  /** Verifies a TOTP or recovery code; on success the session is elevated under a new token. */
  async passSecondFactor(
    sessionId: string,
    operatorId: string,
    code: string,
    enrolling: boolean,
  ): Promise<{ token: string; recoveryCodes?: string[] } | null> {
    return this.db.transaction(async (tx) => {
      const ok =
        (await this.verifyTotp(tx, operatorId, code, enrolling)) || (!enrolling && (await this.useRecoveryCode(tx, operatorId, code)));
      if (!ok) return null;
      let recoveryCodes: string[] | undefined;
      if (enrolling) {
        await tx.query('UPDATE operators SET totp_enabled_at = now() WHERE id = $1', [operatorId]);
        recoveryCodes = newRecoveryCodes();
        await tx.query('DELETE FROM operator_recovery_codes WHERE operator_id = $1', [operatorId]);
        for (const c of recoveryCodes)
          await tx.query('INSERT INTO operator_recovery_codes (operator_id, code_hash) VALUES ($1, $2)', [operatorId, hashRecoveryCode(c)]);
      }
      const { token, hash } = newToken();
      await tx.query('UPDATE operator_sessions SET token_hash = $2, mfa_verified_at = now() WHERE id = $1', [sessionId, hash]);
      return { token, recoveryCodes };
    });
  }

  async isEnrolled(operatorId: string): Promise<boolean> {
    const row = await this.db.transaction((tx) =>
      first<{ enrolled: boolean }>(tx, 'SELECT totp_enabled_at IS NOT NULL AS enrolled FROM operators WHERE id = $1', [operatorId]),
    );
    return !!row?.enrolled;
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.db.transaction((tx) => tx.query('UPDATE operator_sessions SET revoked_at = now() WHERE id = $1', [sessionId]));
  }

  private async verifyTotp(tx: EntityManager, operatorId: string, code: string, pending: boolean): Promise<boolean> {
    const row = await first<{ totp_secret: string; totp_last_step: string | null }>(
      tx,
      'SELECT totp_secret, totp_last_step FROM operators WHERE id = $1 AND totp_secret IS NOT NULL AND (totp_enabled_at IS NULL) = $2 FOR UPDATE',
      [operatorId, pending],
    );
    if (!row) return false;
    const lastUsed = row.totp_last_step === null ? null : Number(row.totp_last_step);
    const step = matchTotp(this.box.open(row.totp_secret), code, lastUsed, this.clock.now().getTime());
    if (step === null) return false;
    await tx.query('UPDATE operators SET totp_last_step = $2 WHERE id = $1', [operatorId, step]);
    return true;
  }

  private async useRecoveryCode(tx: EntityManager, operatorId: string, code: string): Promise<boolean> {
    const used = await rows<{ id: string }>(
      tx,
      `UPDATE operator_recovery_codes SET used_at = now() WHERE id = (
         SELECT id FROM operator_recovery_codes WHERE operator_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1) RETURNING id`,
      [operatorId, hashRecoveryCode(code)],
    );
    return used.length === 1;
  }
}
