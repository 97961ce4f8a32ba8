import { Injectable } from '@nestjs/common';
import { first, NotFound, rows } from '@consilium/core';
import { Mailer } from '@consilium/notifications';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Case } from './case.entity';
import { CasePipeline } from './case-pipeline.service';

/** An invitation to follow a case is good for a week, and once. */
export const FOLLOW_INVITATION_DAYS = 7;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Who follows a case besides the account that made it: an adult patient whose caregiver asked for them, invited by
 * email with a one-time link (only the token's SHA-256 is stored; the email names no one and no condition). The
 * patient may then remove the caregiver, which makes the case theirs: from that statement on, the caregiver's
 * account reaches it no more. A child's case has no followers: the parent who asked follows it.
 */
@Injectable()
export class CaseFollowers {
  constructor(
    private readonly mailer: Mailer,
    private readonly pipeline: CasePipeline,
  ) {}

  /** Whether `accountId` follows the case (the account that made it is not a follower: it owns the case). */
  async follows(tx: EntityManager, caseId: string, accountId: string): Promise<boolean> {
    return !!(await first(tx, 'SELECT 1 FROM case_followers WHERE case_id = $1 AND account_id = $2', [caseId, accountId]));
  }

  /** The cases an account follows (for its list of requests). */
  async followedBy(tx: EntityManager, accountId: string): Promise<string[]> {
    return (await rows<{ case_id: string }>(tx, 'SELECT case_id FROM case_followers WHERE account_id = $1', [accountId])).map(
      (r) => r.case_id,
    );
  }

  async list(tx: EntityManager, caseId: string): Promise<{ accountId: string; name: string }[]> {
    return rows(
      tx,
      `SELECT f.account_id AS "accountId", a.name FROM case_followers f
         JOIN accounts a ON a.tenant_id = f.tenant_id AND a.id = f.account_id
        WHERE f.case_id = $1 ORDER BY f.added_at`,
      [caseId],
    );
  }

  /** Emails the patient a one-time link to follow the case; the caller has checked that the case is an adult's. */
  async invite(tx: EntityManager, c: Case, email: string, invitedBy: string): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const minutes = FOLLOW_INVITATION_DAYS * 24 * 60;
    await tx.query(
      `INSERT INTO case_follow_invitations (tenant_id, case_id, token_sha256, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
      [c.tenantId, c.id, sha256(token), invitedBy, minutes],
    );
    await this.mailer.send(tx, {
      tenantId: c.tenantId,
      to: email,
      template: 'follow-invitation',
      data: { token, expiresInMinutes: minutes },
    });
    await this.pipeline.record(tx, c, { type: 'follower_invited' });
  }

  /** The case a link is for, while it is unused and unexpired (in this hospital); anything else is a 404. */
  async invitation(tx: EntityManager, token: string): Promise<{ caseId: string; invitedBy: string }> {
    if (!TOKEN.test(token)) throw new NotFound();
    const found = await first<{ case_id: string; invited_by: string }>(
      tx,
      `SELECT case_id, invited_by FROM case_follow_invitations WHERE token_sha256 = $1 AND accepted_at IS NULL AND expires_at > now()`,
      [sha256(token)],
    );
    if (!found) throw new NotFound();
    return { caseId: found.case_id, invitedBy: found.invited_by };
  }

  /** Uses the link: the signed-in account follows the case from now on. The link works once. */
  async accept(tx: EntityManager, token: string, accountId: string): Promise<string> {
    if (!TOKEN.test(token)) throw new NotFound();
    const used = await first<{ case_id: string; tenant_id: string }>(
      tx,
      `UPDATE case_follow_invitations SET accepted_by = $2, accepted_at = now()
        WHERE token_sha256 = $1 AND accepted_at IS NULL AND expires_at > now() AND invited_by <> $2
        RETURNING case_id, tenant_id`,
      [sha256(token), accountId],
    );
    if (!used) throw new NotFound();
    await tx.query('INSERT INTO case_followers (tenant_id, case_id, account_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      used.tenant_id,
      used.case_id,
      accountId,
    ]);
    await this.pipeline.record(tx, { tenantId: used.tenant_id, id: used.case_id }, { type: 'follower_joined' });
    return used.case_id;
  }

  /**
   * The followed patient removes the caregiver who asked: the case becomes the patient's own, their follower row
   * goes, and the caregiver (no longer its owner, never a follower) is a 404 from the next request on.
   */
  async removeRequester(tx: EntityManager, c: Case, patientAccountId: string): Promise<void> {
    if (!(await this.follows(tx, c.id, patientAccountId))) throw new NotFound();
    await tx.query('UPDATE cases SET patient_id = $2 WHERE id = $1', [c.id, patientAccountId]);
    await tx.query('DELETE FROM case_followers WHERE case_id = $1 AND account_id = $2', [c.id, patientAccountId]);
    await tx.query('DELETE FROM case_follow_invitations WHERE case_id = $1 AND accepted_at IS NULL', [c.id]);
    await this.pipeline.record(tx, c, { type: 'requester_removed' });
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
