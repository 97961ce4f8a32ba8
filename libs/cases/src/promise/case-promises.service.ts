import { Injectable } from '@nestjs/common';
import { Clock, first, NotFound } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { lateRefundRules, TenantResolver } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { Case } from '../case.entity';
import {
  BusinessCalendar,
  CasePromise,
  lateRuleFiresAt,
  pausePromise,
  promiseOpinion,
  promiseTriage,
  resumePromise,
} from './promise-clock';
import { PROMISE_DUE_JOB } from './promise-due.job';
import { REFUND_RULE_JOB } from './refund-rule.job';

/** A fact for the case's timeline that the pipeline records after the change that caused it. */
export interface PromiseEvent {
  type: 'promise_paused' | 'promise_resumed';
  data: Record<string, unknown>;
}

/**
 * Keeps the promise on the case as the pipeline moves it: triage promised at submission, the opinion promised once
 * at acceptance (the offering's turnaround in the hospital's business days, its holidays skipped), and a records pause
 * (before acceptance the `awaiting_records` state, after it an ask for records until the next upload) that stops the
 * clock and moves the promise by exactly its length. Assignment, reassignment and anything else leave it alone.
 * Called inside the pipeline's transaction with the case row locked.
 */
@Injectable()
export class CasePromises {
  constructor(
    private readonly tenants: TenantResolver,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
  ) {}

  async calendar(tenantId: string): Promise<BusinessCalendar> {
    const tenant = await this.tenants.byId(tenantId);
    if (!tenant) throw new NotFound();
    return { timeZone: tenant.timeZone, holidays: tenant.settings.holidays ?? [] };
  }

  /** The first late-refund rule for the case's offering (its own, else the hospital's), for the "running late" email. */
  async firstRefundRule(tx: EntityManager, c: Case): Promise<{ afterDays: number; percent: number } | undefined> {
    const tenant = await this.tenants.byId(c.tenantId);
    const offering = c.offeringId
      ? await first<{ slug: string }>(tx, 'SELECT slug FROM offerings WHERE id = $1', [c.offeringId])
      : undefined;
    return tenant ? lateRefundRules(tenant.settings, offering?.slug)[0] : undefined;
  }

  /** After a move of the state machine (`c` as it was before the move). */
  async afterMove(tx: EntityManager, c: Case, move: string): Promise<PromiseEvent | null> {
    const now = this.clock.now();
    switch (move) {
      case 'submit':
        await this.save(tx, c, { ...promiseOf(c), triageBy: promiseTriage(now, await this.calendar(c.tenantId)) });
        return null;
      case 'request_records':
        return this.pause(tx, c, now);
      case 'records_received':
        return this.resume(tx, c, now);
      case 'accept': {
        if (c.promisedBy) return null;
        const offering = c.offeringId
          ? await first<{ turnaround_business_days: number }>(tx, 'SELECT turnaround_business_days FROM offerings WHERE id = $1', [
              c.offeringId,
            ])
          : undefined;
        const promisedBy = promiseOpinion(now, offering?.turnaround_business_days, await this.calendar(c.tenantId));
        await this.save(tx, c, { ...promiseOf(c), promisedBy, pausedAt: null });
        await this.watch(tx, c, promisedBy);
        return null;
      }
      default:
        return null;
    }
  }

  /** After an event that is not a move: an ask for records after acceptance pauses; the next upload resumes. */
  async afterEvent(tx: EntityManager, c: Case, type: string): Promise<PromiseEvent | null> {
    if (!c.promisedBy || c.deliveredAt) return null;
    if (type === 'records_asked') return this.pause(tx, c, this.clock.now());
    if (type === 'records_uploaded') return this.resume(tx, c, this.clock.now());
    return null;
  }

  private async pause(tx: EntityManager, c: Case, now: Date): Promise<PromiseEvent | null> {
    const before = promiseOf(c);
    const after = pausePromise(before, now);
    if (after === before) return null;
    await this.save(tx, c, after);
    return { type: 'promise_paused', data: {} };
  }

  private async resume(tx: EntityManager, c: Case, now: Date): Promise<PromiseEvent | null> {
    const { promise, pausedMs } = resumePromise(promiseOf(c), now);
    if (!c.pausedAt) return null;
    await this.save(tx, c, promise);
    if (promise.promisedBy) await this.watch(tx, c, promise.promisedBy);
    return {
      type: 'promise_resumed',
      data: { pausedMs, by: (promise.promisedBy ?? promise.triageBy)?.toISOString() ?? null },
    };
  }

  /**
   * The promise-due job at the moment the promise falls due, and a refund-rule job at each moment one of the
   * hospital's late-refund rules (the offering's own, if it has them) would fire (now, when that has passed).
   */
  private async watch(tx: EntityManager, c: Case, at: Date): Promise<void> {
    const when = (ms: number) => ({ startAfter: new Date(Math.max(ms, Date.now())) });
    await this.jobs.enqueue(tx, PROMISE_DUE_JOB, { tenantId: c.tenantId, caseId: c.id }, when(at.getTime()));
    const tenant = await this.tenants.byId(c.tenantId);
    const offering = c.offeringId
      ? await first<{ slug: string }>(tx, 'SELECT slug FROM offerings WHERE id = $1', [c.offeringId])
      : undefined;
    if (!tenant) return;
    const calendar = { timeZone: tenant.timeZone, holidays: tenant.settings.holidays ?? [] };
    for (const rule of lateRefundRules(tenant.settings, offering?.slug))
      await this.jobs.enqueue(
        tx,
        REFUND_RULE_JOB,
        { tenantId: c.tenantId, caseId: c.id },
        when(lateRuleFiresAt(at, rule.afterDays, calendar).getTime()),
      );
  }

  private async save(tx: EntityManager, c: Case, p: CasePromise): Promise<void> {
    await tx.query('UPDATE cases SET triage_by = $3, promised_by = $4, paused_at = $5 WHERE tenant_id = $1 AND id = $2', [
      c.tenantId,
      c.id,
      p.triageBy,
      p.promisedBy,
      p.pausedAt,
    ]);
  }
}

export function promiseOf(c: Pick<Case, 'triageBy' | 'promisedBy' | 'pausedAt'>): CasePromise {
  return { triageBy: c.triageBy, promisedBy: c.promisedBy, pausedAt: c.pausedAt };
}
