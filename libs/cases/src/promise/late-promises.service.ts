import { Injectable } from '@nestjs/common';
import { Clock, first, TenantDatabase } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { EntityManager } from 'typeorm';
import { Case } from '../case.entity';
import { CaseNotices } from '../case-notices';
import { CasePipeline } from '../case-pipeline.service';
import { CaseMilestones } from '../milestones/case-milestones';
import { isLate, revisedDate } from './promise-clock';
import { CasePromises, promiseOf } from './case-promises.service';
import { PromiseDuePayload, PROMISE_DUE_JOB } from './promise-due.job';

export type LateOutcome = 'nothing' | 'already_late' | 'late';

/** States in which an accepted case still owes the patient an opinion. */
const OWING: readonly string[] = ['accepted', 'assigned', 'in_review', 'opinion_signed'];

/**
 * Judges a case against its promise by the Clock. Once it has passed (no records pause running, opinion not yet
 * delivered) the case is marked late, given a new date, and the patient, the coordinators and the admins are told,
 * once: `late_at` is set in the same transaction, with the case row locked, so a retried or repeated job finds it set.
 */
@Injectable()
export class LatePromises {
  constructor(
    private readonly db: TenantDatabase,
    private readonly pipeline: CasePipeline,
    private readonly promises: CasePromises,
    private readonly notices: CaseNotices,
    private readonly milestones: CaseMilestones,
    private readonly clock: Clock,
  ) {}

  check(tenantId: string, caseId: string): Promise<LateOutcome> {
    return this.db.forTenant(tenantId, (tx) => this.checkIn(tx, caseId));
  }

  /** Every open promise of a tenant: what the jobs do one by one, for an operator or a test. */
  sweep(tenantId: string): Promise<LateOutcome[]> {
    return this.db.forTenant(tenantId, async (tx) => {
      const open: { id: string }[] = await tx.query(
        'SELECT id FROM cases WHERE promised_by IS NOT NULL AND delivered_at IS NULL AND late_at IS NULL ORDER BY promised_by',
      );
      const outcomes: LateOutcome[] = [];
      for (const c of open) outcomes.push(await this.checkIn(tx, c.id));
      return outcomes;
    });
  }

  private async checkIn(tx: EntityManager, caseId: string): Promise<LateOutcome> {
    const c = await tx
      .getRepository(Case)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id: caseId })
      .getOne();
    if (!c) return 'nothing';
    if (c.lateAt) return 'already_late';
    const now = this.clock.now();
    if (!OWING.includes(c.state) || !isLate(promiseOf(c), !!c.deliveredAt, now)) return 'nothing';
    // The new date: the assigned physician's own deadline when it is still ahead, else a short grace from now.
    const assignment = await first<{ due_at: Date }>(
      tx,
      'SELECT due_at FROM case_assignments WHERE case_id = $1 AND ended_at IS NULL ORDER BY assigned_at DESC LIMIT 1',
      [c.id],
    );
    const grace = revisedDate(now, await this.promises.calendar(c.tenantId));
    const revisedBy = assignment && assignment.due_at.getTime() > grace.getTime() ? assignment.due_at : grace;
    await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { lateAt: now, revisedBy });
    await this.pipeline.record(
      tx,
      c,
      { type: 'promise_late', data: { promisedBy: c.promisedBy!.toISOString(), revisedBy: revisedBy.toISOString() } },
      null,
    );
    await this.notices.caseLate(tx, c);
    const rule = await this.promises.firstRefundRule(tx, c);
    const told = await this.milestones.reach(tx, c, 'running_late', {
      newDate: revisedBy.getTime(),
      ...(rule ? { refundAfterDays: rule.afterDays, refundPercent: rule.percent } : {}),
    });
    if (told) await this.pipeline.record(tx, c, told, null);
    return 'late';
  }
}

@Injectable()
@JobHandler(PROMISE_DUE_JOB)
export class PromiseDueHandler implements JobHandlerInstance<PromiseDuePayload> {
  constructor(private readonly late: LatePromises) {}

  async handle(job: JobContext<PromiseDuePayload>): Promise<Record<string, unknown>> {
    return { outcome: await this.late.check(job.tenantId, job.payload.caseId) };
  }
}
