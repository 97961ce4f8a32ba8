import { Injectable } from '@nestjs/common';
import { Clock, first, TenantDatabase, todayIn } from '@consilium/core';
import { defineJob, JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { TenantResolver } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { Case } from '../case.entity';
import { CasePipeline } from '../case-pipeline.service';
import { CaseMilestones } from './case-milestones';

export interface CheckInDuePayload {
  tenantId: string;
  caseId: string;
  day: number;
}

/** Enqueued at delivery for each check-in's due day; judged by the Clock, so an early or repeated run is harmless. */
export const CHECK_IN_DUE_JOB = defineJob<CheckInDuePayload>({
  name: 'check-in-due',
  retryLimit: 5,
  retryDelaySeconds: 60,
  retryBackoff: true,
  expireInSeconds: 120,
});

export type CheckInOutcome = 'nothing' | 'sent' | 'already_sent';

/**
 * The 30- and 90-day check-ins fall due: the patient gets one email with a link to the check-in's short form on their
 * case page, once (the milestone `check_in_due:<day>`), unless they have already answered it.
 */
@Injectable()
export class CheckInsDue {
  constructor(
    private readonly db: TenantDatabase,
    private readonly milestones: CaseMilestones,
    private readonly pipeline: CasePipeline,
    private readonly tenants: TenantResolver,
    private readonly clock: Clock,
  ) {}

  check(tenantId: string, caseId: string, day: number): Promise<CheckInOutcome> {
    return this.db.forTenant(tenantId, (tx) => this.checkIn(tx, tenantId, caseId, day));
  }

  /** Every check-in due and unanswered in a tenant: what the jobs do one by one, for an operator or a test. */
  sweep(tenantId: string): Promise<CheckInOutcome[]> {
    return this.db.forTenant(tenantId, async (tx) => {
      const due: { case_id: string; day: number }[] = await tx.query(
        'SELECT case_id, day FROM case_check_ins WHERE answered_at IS NULL AND due_on <= $1::date ORDER BY due_on',
        [await this.today(tenantId)],
      );
      const outcomes: CheckInOutcome[] = [];
      for (const d of due) outcomes.push(await this.checkIn(tx, tenantId, d.case_id, d.day));
      return outcomes;
    });
  }

  private async checkIn(tx: EntityManager, tenantId: string, caseId: string, day: number): Promise<CheckInOutcome> {
    const due = await first<{ answered: boolean; due: boolean }>(
      tx,
      'SELECT answered_at IS NOT NULL AS answered, due_on <= $3::date AS due FROM case_check_ins WHERE case_id = $1 AND day = $2',
      [caseId, day, await this.today(tenantId)],
    );
    if (!due || due.answered || !due.due) return 'nothing';
    const c = await tx.getRepository(Case).findOneByOrFail({ id: caseId });
    const told = await this.milestones.reach(tx, c, 'check_in_due', { day }, day);
    if (!told) return 'already_sent';
    await this.pipeline.record(tx, c, told, null);
    return 'sent';
  }

  private async today(tenantId: string): Promise<string> {
    const tenant = await this.tenants.byId(tenantId);
    return todayIn(tenant?.timeZone ?? 'UTC', this.clock.now());
  }
}

@Injectable()
@JobHandler(CHECK_IN_DUE_JOB)
export class CheckInDueHandler implements JobHandlerInstance<CheckInDuePayload> {
  constructor(private readonly due: CheckInsDue) {}

  async handle(job: JobContext<CheckInDuePayload>): Promise<Record<string, unknown>> {
    return { outcome: await this.due.check(job.tenantId, job.payload.caseId, job.payload.day) };
  }
}
