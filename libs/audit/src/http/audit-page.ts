import { Injectable } from '@nestjs/common';
import { field, FormPresenter, parseForm, RefusedForm } from '@consilium/core';
import { z } from 'zod';
import { AUDIT_PAGE_SIZE, AuditFilter, AuditQuery } from '../audit-query.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const id = () => field.text({ optional: true, max: 60 }).refine((v) => !v || UUID.test(v), 'audit.list.idInvalid');
const filterSchema = z.object({
  actor: id(),
  subject: id(),
  action: field.text({ optional: true, max: 100 }).refine((v) => /^[a-z0-9._-]*$/.test(v), 'audit.list.actionInvalid'),
  outcome: field.choice(['allowed', 'denied', '']).optional(),
  from: field.date({ optional: true }),
  to: field.date({ optional: true }),
  // The "older events" link's cursor, not a field a person types.
  before: z.iso.datetime().optional(),
});

/** The filter of the page and of the CSV, from the query; a wrong field is refused beside it. */
export function toFilter(query: unknown): { filter: AuditFilter; values: Record<string, string>; before?: Date } {
  const q = parseForm(filterSchema, query ?? {});
  const filter: AuditFilter = {
    actorId: q.actor || undefined,
    subjectId: q.subject || undefined,
    action: q.action || undefined,
    outcome: q.outcome || undefined,
    from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
    to: q.to ? new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86400000) : undefined,
  };
  const values = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'before' && v)) as Record<string, string>;
  return { filter, values, before: q.before ? new Date(q.before) : undefined };
}

/** The audit log's page: one page of events for a filter, with the links to older events and to the CSV. */
@Injectable()
export class AuditPage implements FormPresenter {
  constructor(private readonly audit: AuditQuery) {}

  async show(query: unknown): Promise<Record<string, unknown>> {
    const { filter, values, before } = toFilter(query);
    const rows = await this.audit.page(filter, before);
    const last = rows[rows.length - 1];
    const nextQuery =
      rows.length === AUDIT_PAGE_SIZE && last ? new URLSearchParams({ ...values, before: last.occurredAt.toISOString() }).toString() : null;
    return { rows, values, nextQuery, csvQuery: new URLSearchParams(values).toString() };
  }

  /** A filter that cannot be read: the newest events, the filter as typed with each problem beside its field. */
  async refused(form: RefusedForm): Promise<Record<string, unknown>> {
    const { values: _unfiltered, ...page } = await this.show({});
    // A GET has no body: what was typed is the query.
    return { ...page, values: form.query };
  }
}
