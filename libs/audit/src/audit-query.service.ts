import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';

export interface AuditFilter {
  actorId?: string;
  subjectId?: string;
  action?: string;
  outcome?: 'allowed' | 'denied';
  from?: Date;
  to?: Date;
}

export interface AuditRow {
  id: string;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  subjectId: string | null;
  subjectEmail: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const AUDIT_PAGE_SIZE = 50;

/**
 * Reads the hospital's audit log for its admins: filter by who, whose information, what, outcome and time; page
 * through it; export it. Indexed by (tenant, time), (tenant, subject, time) and (tenant, actor, time).
 */
@Injectable()
export class AuditQuery {
  constructor(private readonly db: TenantDatabase) {}

  page(filter: AuditFilter, before?: Date, limit = AUDIT_PAGE_SIZE): Promise<AuditRow[]> {
    return this.db.transaction((tx) => {
      const { where, params } = conditions(filter);
      if (before) {
        params.push(before);
        where.push(`e.occurred_at < $${params.length}`);
      }
      params.push(limit);
      return tx.query(
        `SELECT e.id, e.occurred_at AS "occurredAt", e.actor_kind AS "actorKind", e.actor_id AS "actorId", actor.email AS "actorEmail",
                e.action, e.entity_type AS "entityType", e.entity_id AS "entityId", e.subject_id AS "subjectId",
                subject.email AS "subjectEmail", e.outcome, host(e.ip) AS ip, e.user_agent AS "userAgent", e.request_id AS "requestId"
           FROM audit_events e
           LEFT JOIN accounts actor ON actor.tenant_id = e.tenant_id AND actor.id = e.actor_id
           LEFT JOIN accounts subject ON subject.tenant_id = e.tenant_id AND subject.id = e.subject_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY e.occurred_at DESC, e.id DESC LIMIT $${params.length}`,
        params,
      );
    });
  }

  /** Every matching row, oldest last, in pages so a large export never sits in memory at once. */
  async *all(filter: AuditFilter): AsyncGenerator<AuditRow> {
    let before: Date | undefined;
    for (;;) {
      const rows = await this.page(filter, before, 1000);
      yield* rows;
      if (rows.length < 1000) return;
      before = rows[rows.length - 1].occurredAt;
    }
  }
}

function conditions(filter: AuditFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.actorId) add('e.actor_id = ?', filter.actorId);
  if (filter.subjectId) add('e.subject_id = ?', filter.subjectId);
  if (filter.action) add('e.action = ?', filter.action);
  if (filter.outcome) add('e.outcome = ?', filter.outcome);
  if (filter.from) add('e.occurred_at >= ?', filter.from);
  if (filter.to) add('e.occurred_at < ?', filter.to);
  return { where, params };
}

/** RFC 4180 field; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula. */
export function csvField(value: string | number | boolean | Date | null | undefined): string {
  let text = value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
