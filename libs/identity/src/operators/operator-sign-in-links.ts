import { Injectable } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { AppConfig, first, InvalidInput, OperatorDatabase, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { hashPassword, passwordProblem } from '../password-policy';
import { hashToken, newToken } from '../tokens';

/** How long a printed link works: long enough to pass it to the person, short enough not to linger in a terminal log. */
export const OPERATOR_LINK_HOURS = 24;

export interface NewOperator {
  email: string;
  name?: string;
  /** Chosen now (`--password-stdin`); without it the operator gets a one-time link to choose one. */
  password?: string;
}

export type CreatedOperator =
  { created: true; operatorId: string; email: string; link?: string } | { created: false; operatorId: string; email: string };

export interface OperatorListing {
  email: string;
  name: string;
  passwordSet: boolean;
  secondFactor: boolean;
  disabled: boolean;
}

const email = z.email().max(254);

/**
 * The first operators of an installation, from the CLI: no SQL by hand, no shared password. An operator is created
 * with a password read from stdin, or with none and a one-time link (SHA-256 stored, 24 hours) where they choose it.
 * Either way the second factor is enrolled at the first sign-in. Every step leaves an operator audit row.
 */
@Injectable()
export class OperatorSignInLinks {
  constructor(
    private readonly db: OperatorDatabase,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  /** Creates the operator unless one has this email; an existing operator is left exactly as it is. */
  async create(input: NewOperator): Promise<CreatedOperator> {
    const address = input.email.trim().toLowerCase();
    if (!email.safeParse(address).success) throw new InvalidInput({ email: 'must be an email address such as ops@example.org' });
    const problem = input.password === undefined ? null : passwordProblem(input.password, address);
    if (problem) throw new InvalidInput({ password: problem });
    const hash = input.password === undefined ? null : await hashPassword(input.password);
    const outcome = await this.db.transaction(async (tx): Promise<CreatedOperator> => {
      const row = await first<{ id: string }>(
        tx,
        `INSERT INTO operators (email, name, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id`,
        [address, input.name?.trim() ?? '', hash],
      );
      if (!row) {
        const existing = await first<{ id: string }>(tx, 'SELECT id FROM operators WHERE email = $1', [address]);
        return { created: false, operatorId: existing!.id, email: address };
      }
      return { created: true, operatorId: row.id, email: address, link: hash ? undefined : await this.issueIn(tx, row.id) };
    });
    if (outcome.created) await this.record('operator.create', outcome.operatorId);
    return outcome;
  }

  /** A new one-time link for an existing operator (the first expired, or a forgotten password); earlier ones stop working. */
  async issue(emailTyped: string): Promise<string | null> {
    const found = await this.db.transaction(async (tx) => {
      const row = await first<{ id: string }>(tx, 'SELECT id FROM operators WHERE email = $1 AND disabled_at IS NULL', [
        emailTyped.trim().toLowerCase(),
      ]);
      return row ? { id: row.id, link: await this.issueIn(tx, row.id) } : null;
    });
    if (found) await this.record('operator.sign_in_link', found.id);
    return found?.link ?? null;
  }

  /** The operator a still-valid link belongs to, without using it up (to show the form it leads to). */
  async peek(token: string): Promise<{ operatorId: string; email: string } | null> {
    const row = await this.db.transaction((tx) =>
      first<{ id: string; email: string }>(
        tx,
        `SELECT o.id, o.email FROM operator_sign_in_links l JOIN operators o ON o.id = l.operator_id
          WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND o.disabled_at IS NULL`,
        [hashToken(token)],
      ),
    );
    return row ? { operatorId: row.id, email: row.email } : null;
  }

  /**
   * Uses the link: sets the password and ends the operator's other sessions. Answers the operator's id, or null when
   * the link is unknown, used or expired. The second factor is still asked at the next step.
   */
  async choosePassword(token: string, password: string): Promise<string | null> {
    const operatorId = await this.db.transaction(async (tx) => {
      const link = await first<{ id: string; operator_id: string; email: string }>(
        tx,
        `SELECT l.id, o.id AS operator_id, o.email FROM operator_sign_in_links l JOIN operators o ON o.id = l.operator_id
          WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND o.disabled_at IS NULL FOR UPDATE OF l`,
        [hashToken(token)],
      );
      if (!link) return null;
      const problem = passwordProblem(password, link.email);
      if (problem) throw new InvalidInput({ password: problem });
      await tx.query('UPDATE operator_sign_in_links SET used_at = now() WHERE id = $1', [link.id]);
      await tx.query('UPDATE operators SET password_hash = $2 WHERE id = $1', [link.operator_id, await hashPassword(password)]);
      await tx.query('UPDATE operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL', [link.operator_id]);
      return link.operator_id;
    });
    if (operatorId) await this.record('operator.password_set', operatorId, operatorId);
    return operatorId;
  }

  list(): Promise<OperatorListing[]> {
    return this.db.transaction(async (tx) => {
      const found = await rows<{ email: string; name: string; password_set: boolean; second_factor: boolean; disabled: boolean }>(
        tx,
        `SELECT email, name, password_hash IS NOT NULL AS password_set, totp_enabled_at IS NOT NULL AS second_factor,
                disabled_at IS NOT NULL AS disabled
           FROM operators ORDER BY email`,
      );
      return found.map((r): OperatorListing => ({
        email: r.email,
        name: r.name,
        passwordSet: r.password_set,
        secondFactor: r.second_factor,
        disabled: r.disabled,
      }));
    });
  }

  private async issueIn(tx: EntityManager, operatorId: string): Promise<string> {
    await tx.query('UPDATE operator_sign_in_links SET used_at = now() WHERE operator_id = $1 AND used_at IS NULL', [operatorId]);
    const { token, hash } = newToken();
    await tx.query(
      `INSERT INTO operator_sign_in_links (operator_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
      [operatorId, hash, OPERATOR_LINK_HOURS],
    );
    return `${this.config.originFor(this.config.operatorHost)}/operator/welcome/${token}`;
  }

  private record(action: string, entityId: string, operatorId: string | null = null): Promise<void> {
    return this.audit.recordOperator({ action, entityType: 'operator', entityId, operatorId, outcome: 'allowed' });
  }
}
