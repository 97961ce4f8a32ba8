import { Injectable } from '@nestjs/common';
import { Case, CasePipeline } from '@consilium/cases';
import { ContextActor, InvalidInput, msg, NotFound, one, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { InternalNote, InternalNotes } from '../internal-notes.service';
import { Opinion } from '../opinion.entity';
import { QualityCheck, readQualityCheck, writeQualityCheck } from './quality-settings';

const LIMIT = 20000;

export interface CheckOutcome {
  outcome: 'returned' | 'approved';
  comment: string;
  reviewerName: string;
  at: Date;
}

export interface CheckWork {
  opinion: Opinion;
  case: Case;
  signerName: string;
  history: CheckOutcome[];
  notes: InternalNote[];
}

/**
 * Quality before release (issue #22): where the hospital asks for it, a signed version waits `in_check` until a
 * medical director (or, if the hospital says so, any physician other than the signer) approves it, and only then is
 * it delivered; returned with comments, it goes back to the physician as a draft to amend and sign again. The case
 * stays owed (its promise keeps running) until delivery, so the check counts against the promised date.
 */
@Injectable()
export class OpinionQualityChecks {
  constructor(
    private readonly db: TenantDatabase,
    private readonly pipeline: CasePipeline,
    private readonly notes: InternalNotes,
    private readonly context: RequestContext,
  ) {}

  /** The hospital's choice, for its settings page. */
  setting(): Promise<QualityCheck> {
    return this.db.transaction((tx) => readQualityCheck(tx, this.context.tenant().id));
  }

  configure(value: QualityCheck): Promise<void> {
    return this.db.transaction((tx) => writeQualityCheck(tx, this.context.tenant().id, value));
  }

  /** Whether a version signed now waits for a check (the editor asks inside its signing transaction). */
  async required(tx: EntityManager, tenantId: string): Promise<boolean> {
    return (await readQualityCheck(tx, tenantId)) !== 'none';
  }

  /** Versions waiting for this reviewer, oldest signature first (a physician never sees their own). */
  queue(): Promise<{ id: string; caseNumber: string; version: number; signerName: string; signedAt: Date; promisedBy: Date | null }[]> {
    return this.db.transaction(async (tx) => {
      const actor = this.context.actor()!;
      if (!this.mayCheck(await readQualityCheck(tx, this.context.tenant().id), actor)) return [];
      return rows(
        tx,
        `SELECT o.id, c.number AS "caseNumber", o.version, a.name AS "signerName", o.signed_at AS "signedAt",
                coalesce(c.revised_by, c.promised_by) AS "promisedBy"
           FROM opinions o
           JOIN cases c ON c.tenant_id = o.tenant_id AND c.id = o.case_id
           JOIN accounts a ON a.tenant_id = o.tenant_id AND a.id = o.signed_by
          WHERE o.status = 'in_check' AND o.signed_by <> $1
          ORDER BY o.signed_at ASC
          LIMIT 100`,
        [actor.id],
      );
    });
  }

  /** A version in check with its case and history; anyone who may not check it (or another hospital's) gets 404. */
  work(opinionId: string): Promise<CheckWork> {
    return this.db.transaction((tx) => this.load(tx, opinionId));
  }

  /** Approves the version: it becomes the signed opinion. Returns it for the caller to deliver. */
  approve(opinionId: string, comment: string | undefined): Promise<{ opinionId: string }> {
    return this.db.transaction(async (tx) => {
      const { opinion, case: c } = await this.load(tx, opinionId);
      await this.recordOutcome(tx, opinion, 'approved', this.checked(comment));
      await tx.update(Opinion, { tenantId: opinion.tenantId, id: opinion.id }, { status: 'signed' });
      if (opinion.version > 1)
        await this.pipeline.record(tx, c, { type: 'opinion_amended', data: { opinionId, version: opinion.version } });
      return { opinionId };
    });
  }

  /** Returns the version to its physician with comments: a draft again, their signature withdrawn until they re-sign. */
  returnWithComments(opinionId: string, comment: string | undefined): Promise<void> {
    return this.db.transaction(async (tx) => {
      const { opinion } = await this.load(tx, opinionId);
      const text = this.checked(comment);
      if (!text) throw new InvalidInput({ comment: msg('opinions.quality.commentRequired') });
      await this.recordOutcome(tx, opinion, 'returned', text);
      await tx.update(Opinion, { tenantId: opinion.tenantId, id: opinion.id }, { status: 'draft', signedBy: null, signedAt: null });
    });
  }

  /** The reviewer's staff-only note on the case of a version in check. */
  addNote(opinionId: string, body: string | undefined): Promise<void> {
    return this.db.transaction(async (tx) => {
      const { case: c } = await this.load(tx, opinionId);
      await this.notes.write(tx, c, body);
    });
  }

  /** What the checks said of a case's versions, newest first (the physician's workspace shows the comments). */
  history(tx: EntityManager, caseId: string): Promise<(CheckOutcome & { version: number })[]> {
    return rows(
      tx,
      `SELECT k.outcome, k.comment, a.name AS "reviewerName", k.created_at AS at, k.version
         FROM opinion_checks k JOIN accounts a ON a.tenant_id = k.tenant_id AND a.id = k.reviewer_id
        WHERE k.case_id = $1 ORDER BY k.created_at DESC`,
      [caseId],
    );
  }

  /** The same, for a case whose access the caller has already checked (the physician's workspace). */
  historyOf(caseId: string): Promise<(CheckOutcome & { version: number })[]> {
    return this.db.transaction((tx) => this.history(tx, caseId));
  }

  private async load(tx: EntityManager, opinionId: string): Promise<CheckWork> {
    if (!/^[0-9a-f-]{36}$/i.test(opinionId)) throw new NotFound();
    const actor = this.context.actor()!;
    if (!this.mayCheck(await readQualityCheck(tx, this.context.tenant().id), actor)) throw new NotFound();
    const opinion = await tx.findOne(Opinion, { where: { id: opinionId, status: 'in_check' } });
    // Nobody checks their own signature.
    if (!opinion || opinion.signedBy === actor.id) throw new NotFound();
    const c = await tx.findOneByOrFail(Case, { id: opinion.caseId });
    const signer = await one<{ name: string }>(tx, 'SELECT name FROM accounts WHERE id = $1', [opinion.signedBy]);
    const history = (await this.history(tx, c.id)).filter((h) => h.version === opinion.version);
    return { opinion, case: c, signerName: signer.name, history, notes: await this.notes.of(tx, c.id) };
  }

  private mayCheck(setting: QualityCheck, actor: ContextActor): boolean {
    if (actor.kind !== 'staff' || setting === 'none') return false;
    if (actor.roles.includes('medical_director')) return true;
    return setting === 'second_physician' && actor.roles.includes('physician');
  }

  private checked(comment: string | undefined): string {
    const text = (comment ?? '').trim();
    if (text.length > LIMIT) throw new InvalidInput({ comment: msg('opinions.editor.tooLong', { max: LIMIT }) });
    return text;
  }

  private async recordOutcome(tx: EntityManager, o: Opinion, outcome: 'returned' | 'approved', comment: string): Promise<void> {
    const actor = this.context.actor()!;
    await tx.query(
      `INSERT INTO opinion_checks (tenant_id, opinion_id, case_id, version, outcome, comment, reviewer_id, reviewer_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        o.tenantId,
        o.id,
        o.caseId,
        o.version,
        outcome,
        comment,
        actor.id,
        actor.roles.includes('medical_director') ? 'medical_director' : 'physician',
      ],
    );
  }
}
