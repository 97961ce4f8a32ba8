import { Injectable } from '@nestjs/common';
import { Clock, ContextActor, rows, TenantDatabase } from '@consilium/core';
import { HOLD_EVENTS } from './case-events';

export interface QueueFilter {
  state?: string;
  jurisdiction?: string;
  /** `overdue` (the physician's review past due), `due_soon` (due within two days), `late` (past the patient's promise). */
  risk?: 'overdue' | 'due_soon' | 'late';
}

export interface QueueRow {
  id: string;
  number: string;
  state: string;
  jurisdiction: string | null;
  route: string | null;
  submittedAt: Date | null;
  dueAt: Date | null;
  assigned: boolean;
  overdue: boolean;
  /** Past the date promised to the patient (no records pause running, opinion not delivered). */
  late: boolean;
  unreadMessages: number;
  /** The coordinator accepted, and the acceptance waits for the patient to confirm payment. */
  waitingForPayment: boolean;
}

/** Past the promise to the patient: the same rule as `isLate` (promise-clock), in SQL; served by cases_promise_open. */
const LATE_SQL = 'c.promised_by < $2 AND c.paused_at IS NULL AND c.delivered_at IS NULL';

/** States the coordinator's queue shows by default: everything in flight. */
export const OPEN_STATES = ['submitted', 'triage', 'awaiting_records', 'accepted', 'assigned', 'in_review', 'opinion_signed', 'follow_up'];

/**
 * The coordinator's work queue, ordered by deadline then age. One indexed query (cases_queue) with the filters
 * applied in SQL; a physician sees only the cases assigned to them or that they contribute to.
 */
@Injectable()
export class CaseQueue {
  constructor(
    private readonly db: TenantDatabase,
    private readonly clock: Clock,
  ) {}

  list(filter: QueueFilter, actor: ContextActor, limit = 200): Promise<QueueRow[]> {
    return this.db.transaction(async (tx) => {
      const where = ['c.state = ANY($1)'];
      // `$2` is now by the app's Clock, so "late" and "overdue" agree with the jobs that judge the same deadlines.
      const params: unknown[] = [filter.state ? [filter.state] : OPEN_STATES, this.clock.now()];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.jurisdiction) add('c.jurisdiction = ?', filter.jurisdiction);
      if (filter.risk === 'overdue') where.push('c.due_at < $2');
      if (filter.risk === 'late') where.push(`${LATE_SQL}`);
      if (filter.risk === 'due_soon') where.push(`c.due_at BETWEEN $2 AND $2::timestamptz + interval '2 days'`);
      const staffView = actor.roles.includes('admin') || actor.roles.includes('coordinator');
      if (!staffView) {
        params.push(actor.id);
        const me = `$${params.length}`;
        where.push(
          `(c.assigned_physician_id = ${me} OR EXISTS (SELECT 1 FROM case_contributors k WHERE k.tenant_id = c.tenant_id AND k.case_id = c.id AND k.account_id = ${me}))`,
        );
      }
      params.push(limit);
      const cases = await rows<{
        id: string;
        number: string;
        state: string;
        jurisdiction: string | null;
        route: string | null;
        submitted_at: Date | null;
        due_at: Date | null;
        assigned: boolean;
        overdue: boolean;
        late: boolean;
        unread: number;
        waiting_for_payment: boolean;
      }>(
        tx,
        `SELECT c.id, c.number, c.state, c.jurisdiction, c.route, c.submitted_at, c.due_at, c.assigned_physician_id IS NOT NULL AS assigned,
                coalesce(c.due_at < $2, false) AS overdue, coalesce(${LATE_SQL}, false) AS late,
                (SELECT count(*)::int FROM case_messages m WHERE m.tenant_id = c.tenant_id AND m.case_id = c.id AND m.author_kind <> 'staff' AND m.read_by_staff_at IS NULL) AS unread,
                -- The acceptance waits for the patient to confirm payment: the last of billing's hold events says so
                -- (a case's events by its key, newest first, one row; only for the page's cases in triage).
                (c.state = 'triage' AND coalesce((SELECT e.type FROM case_events e WHERE e.tenant_id = c.tenant_id AND e.case_id = c.id
                   AND e.type IN (${HOLD_EVENTS.map((t) => `'${t}'`).join(', ')}) ORDER BY e.seq DESC LIMIT 1) = 'payment_confirmation_requested', false)) AS waiting_for_payment
           FROM cases c WHERE ${where.join(' AND ')}
          ORDER BY c.due_at ASC NULLS LAST, c.submitted_at ASC NULLS LAST LIMIT $${params.length}`,
        params,
      );
      return cases.map((r) => ({
        id: r.id,
        number: r.number,
        state: r.state,
        jurisdiction: r.jurisdiction,
        route: r.route,
        submittedAt: r.submitted_at,
        dueAt: r.due_at,
        assigned: r.assigned,
        overdue: r.overdue,
        late: r.late,
        unreadMessages: r.unread,
        waitingForPayment: r.waiting_for_payment,
      }));
    });
  }
}
