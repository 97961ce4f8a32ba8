import { Injectable } from '@nestjs/common';
import { Clock, ContextActor, first, InvalidInput, msg, NotFound, one, RequestContext, TenantDatabase, todayIn } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { PhysicianAccounts } from '@consilium/roster';
import { TenantResolver } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { Case } from '../case.entity';
import { CaseAccess } from '../case-access';
import { CaseNotices } from '../case-notices';
import { CasePipeline } from '../case-pipeline.service';
import { ASSIGNMENT_DEADLINE_JOB } from './assignment-deadline.job';
import { rankPhysicians, Suggestion } from './assignment-ranking';
import { addBusinessDays } from './business-days';

export interface CaseAssignment {
  id: string;
  caseId: string;
  physicianId: string;
  physicianName: string;
  accountId: string;
  assignedAt: Date;
  acceptBy: Date;
  dueAt: Date;
  acceptedAt: Date | null;
  acceptRemindedAt: Date | null;
  reviewRemindedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
}

export type LapseReason = 'missed_accept' | 'missed_review' | 'declined';

/** How long before a deadline its reminder goes out. */
export const ACCEPT_REMINDER_MS = 4 * 3600_000;
export const REVIEW_REMINDER_MS = 24 * 3600_000;
/** When an offering says nothing (or the case has none), the review is due in this many business days. */
const DEFAULT_TURNAROUND_DAYS = 5;
const OPEN_CASE_STATES = ['assigned', 'in_review', 'opinion_signed'];

/**
 * Who reviews a case: ranked suggestions, assignment with its two deadlines (accept within one business day, deliver
 * within the offering's turnaround, both in the hospital's time zone), the physician's accept or decline, and what
 * happens when an assignment lapses (unassigned, reassigned to the next eligible physician when there is one,
 * coordinators alerted). Each step is a move of the state machine plus an assignment row, in one transaction.
 */
@Injectable()
export class CaseAssignments {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly roster: PhysicianAccounts,
    private readonly tenants: TenantResolver,
    private readonly jobs: JobQueue,
    private readonly notices: CaseNotices,
    private readonly clock: Clock,
    private readonly context: RequestContext,
  ) {}

  /** For the coordinator's case view: the ranked suggestions with reasons, the current assignment and the past ones. */
  overview(caseId: string): Promise<{ suggestions: Suggestion[]; current: CaseAssignment | null; history: CaseAssignment[] }> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const history = await this.history(tx, c.id);
      return { suggestions: await this.suggest(tx, c), current: history.find((a) => !a.endedAt) ?? null, history };
    });
  }

  /**
   * Assigns (or reassigns) the case to a roster physician who is eligible; or, with `overCapacity` (the coordinator's
   * reason), to one whom only capacity holds back. Licensure and the other blockers are never overridden. The reason
   * is kept in the case's history (and the route's audit row records who did it).
   */
  assign(caseId: string, physicianId: string, overCapacity?: string): Promise<CaseAssignment> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const actor = this.context.actor()!;
      const suggestion = (await this.suggest(tx, c)).find((s) => s.physicianId === physicianId);
      if (!suggestion) throw new InvalidInput({ physician_id: msg('cases.form.choosePhysician') });
      if (overCapacity !== undefined) {
        if (!suggestion.overridable) throw new InvalidInput({ physician_id: msg('cases.form.notOverridable', { name: suggestion.name }) });
        if (!overCapacity.trim()) throw new InvalidInput({ override_reason: msg('cases.form.sayWhyOverride') });
        await this.pipeline.record(tx, c, {
          type: 'capacity_overridden',
          data: { physicianId, reason: overCapacity.trim().slice(0, 1000) },
        });
      } else if (!suggestion.eligible) {
        throw new InvalidInput({ physician_id: msg('cases.form.physicianCannot', { name: suggestion.name }) });
      }
      let current = c;
      if (c.state === 'assigned' || c.state === 'in_review') {
        const open = (await this.history(tx, c.id)).find((a) => !a.endedAt);
        if (open?.physicianId === physicianId)
          throw new InvalidInput({ physician_id: msg('cases.form.alreadyAssigned', { name: suggestion.name }) });
        if (open) await this.end(tx, c, open.id, 'reassigned');
        current = await this.pipeline.move(tx, c.id, 'unassign', 'coordinator', { reason: 'reassigned by a coordinator' });
      }
      return this.assignTo(tx, current, suggestion, 'coordinator', actor);
    });
  }

  /** The assigned physician accepts: the review starts and the review deadline is what counts from now on. */
  accept(caseId: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      const { c, open } = await this.mine(tx, caseId);
      if (open) await tx.query('UPDATE case_assignments SET accepted_at = $2 WHERE id = $1', [open.id, this.clock.now()]);
      await this.pipeline.move(tx, c.id, 'begin_review', 'physician', { data: open ? { assignmentId: open.id } : {} });
    });
  }

  /** The assigned physician declines (before or during the review), with a reason kept in the case history. */
  decline(caseId: string, reason: string): Promise<void> {
    if (!reason?.trim()) throw new InvalidInput({ reason: msg('cases.form.sayWhyDecline') });
    return this.db.transaction(async (tx) => {
      const { c, open } = await this.mine(tx, caseId);
      await this.lapse(tx, c, open, 'declined', 'physician', reason.trim());
    });
  }

  /**
   * Ends an assignment that lapsed: unassigns the case (a move), alerts coordinators, and reassigns it to the best
   * eligible physician who has not already given it up, when there is one.
   */
  async lapse(
    tx: EntityManager,
    c: Case,
    open: CaseAssignment | null,
    why: LapseReason,
    by: 'system' | 'physician',
    reason?: string,
  ): Promise<void> {
    await this.end(tx, c, open?.id ?? null, why);
    const text =
      reason ??
      (why === 'missed_accept' ? 'the accept deadline passed' : why === 'missed_review' ? 'the review deadline passed' : 'declined');
    const unassigned = await this.pipeline.move(tx, c.id, 'unassign', by, {
      reason: text,
      data: { ...(open ? { assignmentId: open.id } : {}), why },
    });
    await this.notices.assignmentLapsed(tx, c, why);
    const next = (await this.suggest(tx, unassigned)).find((s) => s.eligible);
    if (next) await this.assignTo(tx, unassigned, next, 'system', null);
  }

  /** Whether anyone on the roster could take the case: eligible, or held back by capacity alone (overridable). */
  async someoneCouldTake(tx: EntityManager, c: Case): Promise<boolean> {
    return (await this.suggest(tx, c)).some((s) => s.eligible || s.overridable);
  }

  /** Ranked suggestions for a case (see rankPhysicians). */
  async suggest(tx: EntityManager, c: Case): Promise<Suggestion[]> {
    const tenant = await this.tenantOf(c.tenantId);
    // The offering's specialty: a read of the catalog's table, kept to this one query.
    const offering = c.offeringId
      ? await first<{ specialty_id: string | null }>(tx, 'SELECT specialty_id FROM offerings WHERE id = $1', [c.offeringId])
      : undefined;
    const counts: { account_id: string; n: number }[] = await tx.query(
      `SELECT assigned_physician_id AS account_id, count(*)::int AS n FROM cases
        WHERE assigned_physician_id IS NOT NULL AND state = ANY($1) AND id <> $2 GROUP BY 1`,
      [OPEN_CASE_STATES, c.id],
    );
    const gaveUp: { physician_id: string }[] = await tx.query(
      `SELECT DISTINCT physician_id FROM case_assignments WHERE case_id = $1 AND end_reason IN ('declined', 'missed_accept', 'missed_review')`,
      [c.id],
    );
    const physicians = (await this.roster.assignable(tx)).map((p) => ({
      ...p,
      openCases: counts.find((n) => n.account_id === p.accountId)?.n ?? 0,
    }));
    return rankPhysicians({
      specialtyId: offering?.specialty_id ?? null,
      jurisdiction: c.jurisdiction,
      route: c.routeOverride?.route ?? c.route,
      today: todayIn(tenant.timeZone, this.clock.now()),
      requestedPhysicianId: c.requestedPhysicianId,
      excludedPhysicianIds: gaveUp.map((g) => g.physician_id),
      physicians,
    });
  }

  async history(tx: EntityManager, caseId: string): Promise<CaseAssignment[]> {
    return tx.query(
      `SELECT a.id, a.case_id AS "caseId", a.physician_id AS "physicianId", p.name AS "physicianName", a.account_id AS "accountId",
              a.assigned_at AS "assignedAt", a.accept_by AS "acceptBy", a.due_at AS "dueAt", a.accepted_at AS "acceptedAt",
              a.accept_reminded_at AS "acceptRemindedAt", a.review_reminded_at AS "reviewRemindedAt", a.ended_at AS "endedAt", a.end_reason AS "endReason"
         FROM case_assignments a JOIN physicians p ON p.tenant_id = a.tenant_id AND p.id = a.physician_id
        WHERE a.case_id = $1 ORDER BY a.assigned_at DESC`,
      [caseId],
    );
  }

  private async assignTo(
    tx: EntityManager,
    c: Case,
    s: Suggestion,
    as: 'coordinator' | 'system',
    actor: ContextActor | null,
  ): Promise<CaseAssignment> {
    const tenant = await this.tenantOf(c.tenantId);
    const offering = c.offeringId
      ? await first<{ turnaround_business_days: number | null }>(tx, 'SELECT turnaround_business_days FROM offerings WHERE id = $1', [
          c.offeringId,
        ])
      : undefined;
    const now = this.clock.now();
    const holidays = tenant.settings.holidays ?? [];
    const acceptBy = addBusinessDays(now, 1, tenant.timeZone, holidays);
    const dueAt = addBusinessDays(now, offering?.turnaround_business_days ?? DEFAULT_TURNAROUND_DAYS, tenant.timeZone, holidays);
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO case_assignments (tenant_id, case_id, physician_id, account_id, assigned_by, assigned_at, accept_by, due_at, reasons)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [c.tenantId, c.id, s.physicianId, s.accountId, actor?.id ?? null, now, acceptBy, dueAt, JSON.stringify(s.reasons)],
    );
    await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { assignedPhysicianId: s.accountId, acceptBy, dueAt });
    await this.pipeline.move(tx, c.id, 'assign', as, {
      data: { assignmentId: row.id, physicianId: s.physicianId },
      ...(actor ? { actor } : {}),
    });
    // Each moment a deadline can change something; the handler judges by the Clock, so early or repeated runs are harmless.
    for (const at of [acceptBy.getTime() - ACCEPT_REMINDER_MS, acceptBy.getTime(), dueAt.getTime() - REVIEW_REMINDER_MS, dueAt.getTime()]) {
      await this.jobs.enqueue(
        tx,
        ASSIGNMENT_DEADLINE_JOB,
        { tenantId: c.tenantId, assignmentId: row.id },
        { startAfter: new Date(Math.max(at, Date.now())) },
      );
    }
    await this.notices.assigned(tx, c, s.accountId!);
    return (await this.history(tx, c.id)).find((a) => a.id === row.id)!;
  }

  private async end(tx: EntityManager, c: Case, assignmentId: string | null, reason: LapseReason | 'reassigned'): Promise<void> {
    if (assignmentId)
      await tx.query('UPDATE case_assignments SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL', [
        assignmentId,
        this.clock.now(),
        reason,
      ]);
    await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { assignedPhysicianId: null, acceptBy: null, dueAt: null });
  }

  /**
   * The case and its open assignment, only for the physician it is assigned to (404 for anyone else). A case assigned
   * before assignments were rows (or written by a test) has none, and is still theirs to accept or decline.
   */
  private async mine(tx: EntityManager, caseId: string): Promise<{ c: Case; open: CaseAssignment | null }> {
    const c = await this.access.caseFor(tx, caseId);
    const actor = this.context.actor()!;
    if (actor.kind !== 'staff' || c.assignedPhysicianId !== actor.id) throw new NotFound();
    const open = (await this.history(tx, c.id)).find((a) => !a.endedAt && a.accountId === actor.id) ?? null;
    return { c, open };
  }

  private async tenantOf(tenantId: string) {
    const tenant = await this.tenants.byId(tenantId);
    if (!tenant) throw new NotFound();
    return tenant;
  }
}
