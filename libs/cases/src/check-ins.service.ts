import { Injectable } from '@nestjs/common';
import { InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { EntityManager } from 'typeorm';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CasePipeline } from './case-pipeline.service';
import { CHECK_IN_DUE_JOB } from './milestones/check-ins-due';

export const CHECK_IN_DAYS = [30, 90] as const;

export interface CheckIn {
  id: string;
  day: number;
  dueOn: string;
  answeredAt: Date | null;
  actedOnAdvice: string | null;
  satisfaction: number | null;
}

/**
 * 30 and 90 days after delivery the patient is asked whether they acted on the advice and how satisfied they are.
 * The rows are created at delivery with a `check-in-due` job each (CheckInsDue emails the link when one falls due);
 * the answer is given in the portal.
 */
@Injectable()
export class CheckIns {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
    private readonly jobs: JobQueue,
  ) {}

  /** Idempotent: delivery may run twice. */
  async schedule(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>, deliveredAt: Date): Promise<void> {
    for (const day of CHECK_IN_DAYS) {
      await tx.query(
        `INSERT INTO case_check_ins (tenant_id, case_id, day, due_on) VALUES ($1, $2, $3, ($4::timestamptz + make_interval(days => $3))::date)
         ON CONFLICT (tenant_id, case_id, day) DO NOTHING`,
        [c.tenantId, c.id, day, deliveredAt],
      );
      // The email goes out when the day comes (the handler judges by the Clock; a second delivery run adds a harmless job).
      await this.jobs.enqueue(
        tx,
        CHECK_IN_DUE_JOB,
        { tenantId: c.tenantId, caseId: c.id, day },
        { startAfter: new Date(Math.max(deliveredAt.getTime() + day * 86_400_000, Date.now())) },
      );
    }
  }

  list(caseId: string): Promise<(CheckIn & { open: boolean })[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const rows: CheckIn[] = await tx.query(
        `SELECT id, day, due_on::text AS "dueOn", answered_at AS "answeredAt", acted_on_advice AS "actedOnAdvice", satisfaction
           FROM case_check_ins WHERE case_id = $1 ORDER BY day`,
        [c.id],
      );
      const today = new Date().toISOString().slice(0, 10);
      return rows.map((r) => ({ ...r, open: !r.answeredAt && r.dueOn <= today }));
    });
  }

  answer(caseId: string, day: number, acted: string, satisfaction: number): Promise<void> {
    if (!['yes', 'partly', 'no'].includes(acted)) throw new InvalidInput({ acted_on_advice: msg('cases.form.actedChoose') });
    if (!Number.isInteger(satisfaction) || satisfaction < 1 || satisfaction > 5)
      throw new InvalidInput({ satisfaction: msg('cases.form.satisfactionChoose') });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (this.context.actor()!.kind !== 'patient') throw new NotFound();
      const answered = await rows(
        tx,
        `UPDATE case_check_ins SET answered_at = now(), acted_on_advice = $3, satisfaction = $4
          WHERE case_id = $1 AND day = $2 AND answered_at IS NULL AND due_on <= current_date RETURNING id`,
        [c.id, day, acted, satisfaction],
      );
      if (!answered.length) throw new InvalidInput({ check_in: msg('cases.form.checkInClosed') });
      await this.pipeline.record(tx, c, { type: 'check_in_answered', data: { day, actedOnAdvice: acted, satisfaction } });
    });
  }
}
