import { Injectable } from '@nestjs/common';
import { first, NotFound } from '@consilium/core';
import { Mailer } from '@consilium/notifications';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Case } from './case.entity';
import { CasePipeline } from './case-pipeline.service';

/** A local physician reads the opinion for this long after delivery; then the hospital sends a new link. */
export const LOCAL_PHYSICIAN_LINK_DAYS = 30;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * When the route is physician-to-physician, the patient's own doctor is invited by a single-purpose link: a random
 * token (only its SHA-256 is stored) that opens that one case's opinion, as a page and as the letter, and nothing
 * else. No account and no session: there is nothing else for the link to reach.
 */
@Injectable()
export class LocalPhysicianInvitations {
  constructor(
    private readonly mailer: Mailer,
    private readonly pipeline: CasePipeline,
  ) {}

  /** Invites the named local physician, once per case (a second delivery run finds the invitation and stops). */
  async inviteOnce(tx: EntityManager, c: Case): Promise<boolean> {
    const email = c.localPhysician?.email;
    if ((c.routeOverride?.route ?? c.route) !== 'physician_to_physician' || !email) return false;
    const existing = await first(tx, 'SELECT 1 FROM local_physician_invitations WHERE case_id = $1', [c.id]);
    if (existing) return false;
    // An address the Mailer would refuse must not undo the delivery it is part of; the timeline shows staff why.
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      await this.pipeline.record(tx, c, { type: 'local_physician_not_invited', data: { why: 'invalid_email' } }, null);
      return false;
    }
    const token = randomBytes(32).toString('base64url');
    const minutes = LOCAL_PHYSICIAN_LINK_DAYS * 24 * 60;
    await tx.query(
      `INSERT INTO local_physician_invitations (tenant_id, case_id, token_sha256, expires_at) VALUES ($1, $2, $3, now() + make_interval(mins => $4))`,
      [c.tenantId, c.id, sha256(token), minutes],
    );
    await this.mailer.send(tx, {
      tenantId: c.tenantId,
      to: email.trim(),
      template: 'local-physician-invitation',
      data: { token, expiresInMinutes: minutes },
    });
    await this.pipeline.record(tx, c, { type: 'local_physician_invited' }, null);
    return true;
  }

  /** The case a link opens, in the host's tenant; a wrong, expired or other hospital's token is the same 404. */
  async caseFor(tx: EntityManager, token: string): Promise<string> {
    if (!TOKEN.test(token)) throw new NotFound();
    const opened = await first<{ case_id: string }>(
      tx,
      `UPDATE local_physician_invitations SET last_opened_at = now() WHERE token_sha256 = $1 AND expires_at > now() RETURNING case_id`,
      [sha256(token)],
    );
    if (!opened) throw new NotFound();
    return opened.case_id;
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
