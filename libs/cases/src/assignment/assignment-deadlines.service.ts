import { Injectable } from '@nestjs/common';
import { first, TenantDatabase } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { EntityManager } from 'typeorm';
import { Case } from '../case.entity';
import { CaseNotices } from '../case-notices';
import { AssignmentDeadlinePayload, ASSIGNMENT_DEADLINE_JOB } from './assignment-deadline.job';
import { ACCEPT_REMINDER_MS, CaseAssignments, REVIEW_REMINDER_MS } from './case-assignments.service';
import { Clock } from './clock';

export type DeadlineOutcome = 'nothing' | 'ended' | 'reminded_accept' | 'reminded_review' | 'missed_accept' | 'missed_review';

/**
 * Judges one assignment against the Clock: a reminder once before each deadline, and a missed deadline lapses the
 * assignment (unassign, alert, reassign). Idempotent: reminders are stamped on the row, a lapsed assignment is ended,
 * and the case row is locked first, so two runs at once take turns and the second finds nothing to do.
 */
@Injectable()
export class AssignmentDeadlines {
  constructor(
    private readonly db: TenantDatabase,
    private readonly assignments: CaseAssignments,
    private readonly notices: CaseNotices,
    private readonly clock: Clock,
  ) {}

  check(tenantId: string, assignmentId: string): Promise<DeadlineOutcome> {
    return this.db.forTenant(tenantId, (tx) => this.checkIn(tx, assignmentId));
  }

  /** Every open assignment of a tenant: what the jobs do one by one, for an operator or a test. */
  sweep(tenantId: string): Promise<DeadlineOutcome[]> {
    return this.db.forTenant(tenantId, async (tx) => {
      const open: { id: string }[] = await tx.query('SELECT id FROM case_assignments WHERE ended_at IS NULL ORDER BY assigned_at');
      const outcomes: DeadlineOutcome[] = [];
      for (const a of open) outcomes.push(await this.checkIn(tx, a.id));
      return outcomes;
    });
  }

  private async checkIn(tx: EntityManager, assignmentId: string): Promise<DeadlineOutcome> {
    const ref = await first<{ case_id: string }>(tx, 'SELECT case_id FROM case_assignments WHERE id = $1', [assignmentId]);
    if (!ref) return 'nothing';
    const c = await tx
      .getRepository(Case)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id: ref.case_id })
      .getOneOrFail();
    const open = (await this.assignments.history(tx, c.id)).find((a) => a.id === assignmentId);
    if (!open || open.endedAt) return 'ended';
    const now = this.clock.now().getTime();
    if (!open.acceptedAt) {
      if (c.state !== 'assigned') return 'nothing';
      if (now >= open.acceptBy.getTime()) {
        await this.assignments.lapse(tx, c, open, 'missed_accept', 'system');
        return 'missed_accept';
      }
      if (now >= open.acceptBy.getTime() - ACCEPT_REMINDER_MS && !open.acceptRemindedAt) {
        await tx.query('UPDATE case_assignments SET accept_reminded_at = $2 WHERE id = $1', [open.id, new Date(now)]);
        await this.notices.deadlineNear(tx, c, open.accountId, 'accept');
        return 'reminded_accept';
      }
      return 'nothing';
    }
    if (c.state !== 'in_review') return 'nothing';
    if (now >= open.dueAt.getTime()) {
      await this.assignments.lapse(tx, c, open, 'missed_review', 'system');
      return 'missed_review';
    }
    if (now >= open.dueAt.getTime() - REVIEW_REMINDER_MS && !open.reviewRemindedAt) {
      await tx.query('UPDATE case_assignments SET review_reminded_at = $2 WHERE id = $1', [open.id, new Date(now)]);
      await this.notices.deadlineNear(tx, c, open.accountId, 'review');
      return 'reminded_review';
    }
    return 'nothing';
  }
}

@Injectable()
@JobHandler(ASSIGNMENT_DEADLINE_JOB)
export class AssignmentDeadlineHandler implements JobHandlerInstance<AssignmentDeadlinePayload> {
  constructor(private readonly deadlines: AssignmentDeadlines) {}

  async handle(job: JobContext<AssignmentDeadlinePayload>): Promise<Record<string, unknown>> {
    return { outcome: await this.deadlines.check(job.tenantId, job.payload.assignmentId) };
  }
}
