import { Injectable } from '@nestjs/common';
import { ContextActor, rows, TenantDatabase } from '@consilium/core';
import { HOLD_EVENTS } from './case-events';

export interface QueueFilter {
  state?: string;
  jurisdiction?: string;
  /** `overdue` (past due) or `due_soon` (due within two days). */
  risk?: 'overdue' | 'due_soon';
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
  unreadMessages: number;
  /** The coordinator accepted, and the acceptance waits for the patient to confirm payment. */
  waitingForPayment: boolean;
}

/** States the coordinator's queue shows by default: everything in flight. */
export const OPEN_STATES = ['submitted', 'triage', 'awaiting_records', 'accepted', 'assigned', 'in_review', 'opinion_signed', 'follow_up'];

/**
 * The coordinator's work queue, ordered by deadline then age. One indexed query (cases_queue) with the filters
 * applied in SQL; a physician sees only the cases assigned to them or that they contribute to.
 */
@Injectable()
export class CaseQueue {
  constructor(private readonly db: TenantDatabase) {}

  list(filter: QueueFilter, actor: ContextActor, limit = 200): Promise<QueueRow[]> {
    return this.db.transaction(async (tx) => {
      const where = ['c.state = ANY($1)'];
      const params: unknown[] = [filter.state ? [filter.state] : OPEN_STATES];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.jurisdiction) add('c.jurisdiction = ?', filter.jurisdiction);
      if (filter.risk === 'overdue') where.push('c.due_at < now()');
      if (filter.risk === 'due_soon') where.push(`c.due_at BETWEEN now() AND now() + interval '2 days'`);
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
        unread: number;
        waiting_for_payment: boolean;
      }>(
        tx,
        `SELECT c.id, c.number, c.state, c.jurisdiction, c.route, c.submitted_at, c.due_at, c.assigned_physician_id IS NOT NULL AS assigned,
                coalesce(c.due_at < now(), false) AS overdue,
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
        unreadMessages: r.unread,
        waitingForPayment: r.waiting_for_payment,
      }));
    });
  }
}
