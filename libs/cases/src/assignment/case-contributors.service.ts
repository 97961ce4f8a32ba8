import { Injectable } from '@nestjs/common';
import { first, InvalidInput, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { Mailer } from '@consilium/notifications';
import { PhysicianAccounts } from '@consilium/roster';
import { EntityManager } from 'typeorm';
import { Case } from '../case.entity';
import { CaseAccess } from '../case-access';
import { CasePipeline } from '../case-pipeline.service';

export interface Contribution {
  id: string;
  physicianId: string;
  name: string;
  accountId: string;
  note: string;
  noteUpdatedAt: Date | null;
}

const NOTE_LIMIT = 20000;

/**
 * Multidisciplinary review: a coordinator asks other physicians to contribute to a case. Each sees the case and its
 * records and writes a note; the assigned physician reads the notes and alone writes and signs the opinion.
 */
@Injectable()
export class CaseContributors {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly roster: PhysicianAccounts,
    private readonly mailer: Mailer,
    private readonly context: RequestContext,
  ) {}

  list(tx: EntityManager, caseId: string): Promise<Contribution[]> {
    return tx.query(
      `SELECT k.id, k.physician_id AS "physicianId", p.name, k.account_id AS "accountId", k.note, k.note_updated_at AS "noteUpdatedAt"
         FROM case_contributors k JOIN physicians p ON p.tenant_id = k.tenant_id AND p.id = k.physician_id
        WHERE k.case_id = $1 ORDER BY k.added_at`,
      [caseId],
    );
  }

  /** Coordinator: asks a roster physician (linked to an account, not the one assigned) to contribute. */
  add(caseId: string, physicianId: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!['accepted', 'assigned', 'in_review'].includes(c.state))
        throw new InvalidInput({ contributor: 'Contributors can be added until the opinion is signed.' });
      const physician = (await this.roster.assignable(tx)).find((p) => p.id === physicianId);
      if (!physician?.accountId) throw new InvalidInput({ contributor: 'Choose a physician who has a staff account.' });
      if (physician.accountId === c.assignedPhysicianId)
        throw new InvalidInput({ contributor: 'The assigned physician already reviews this case.' });
      const added = await rows(
        tx,
        `INSERT INTO case_contributors (tenant_id, case_id, physician_id, account_id, added_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, case_id, account_id) DO NOTHING RETURNING id`,
        [c.tenantId, c.id, physician.id, physician.accountId, this.context.actor()!.id],
      );
      if (!added.length) return;
      await this.pipeline.record(tx, c, { type: 'contributor_added', data: { physicianId: physician.id } });
      const to = await first<{ email: string }>(tx, 'SELECT email FROM accounts WHERE id = $1 AND disabled_at IS NULL', [
        physician.accountId,
      ]);
      if (to)
        await this.mailer.send(tx, { tenantId: c.tenantId, to: to.email, template: 'contribution-requested', data: { caseId: c.id } });
    });
  }

  /** The contributor's own note, and the case, for their page; null when the actor is not a contributor. */
  mine(caseId: string): Promise<{ c: Case; contribution: Contribution } | null> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const contribution = (await this.list(tx, c.id)).find((k) => k.accountId === this.context.actor()!.id);
      return contribution ? { c, contribution } : null;
    });
  }

  saveNote(caseId: string, note: string): Promise<void> {
    if (note.length > NOTE_LIMIT) throw new InvalidInput({ note: `Keep the note under ${NOTE_LIMIT} characters.` });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const noted = await first<{ id: string }>(
        tx,
        `UPDATE case_contributors SET note = $3, note_updated_at = now() WHERE case_id = $1 AND account_id = $2 RETURNING id`,
        [c.id, this.context.actor()!.id, note.trim()],
      );
      if (!noted) throw new NotFound();
      await this.pipeline.record(tx, c, { type: 'contribution_noted', data: { contributionId: noted.id } });
    });
  }

  /** For the assigned physician's workspace and the coordinator's case page. */
  forCase(caseId: string): Promise<Contribution[]> {
    return this.db.transaction(async (tx) => this.list(tx, (await this.access.caseFor(tx, caseId)).id));
  }
}
