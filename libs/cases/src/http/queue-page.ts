import { Injectable } from '@nestjs/common';
import { checkForm, field, FieldProblems, FormPresenter, RefusedForm, RequestContext, TenantDatabase, Translator } from '@consilium/core';
import { PhysicianAccounts } from '@consilium/roster';
import { z } from 'zod';
import { CASE_STATES } from '../case-state';
import { QueuePages, QueueQuery, SORT_NAMES } from '../queue/queue-pages.service';
import { isCursor } from '../queue/queue-cursor';
import { SAVED_PARAMS, SavedFilters } from '../queue/saved-filters.service';

const optional = <T extends readonly [string, ...string[]]>(values: T) => z.union([z.literal(''), field.choice(values)]).optional();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The queue's GET form: every parameter a person (or a saved filter, or a link) may send. */
export const queueForm = z.object({
  state: optional(['open', 'all', ...CASE_STATES] as const),
  jurisdiction: field
    .text({ optional: true, max: 10 })
    .refine((v) => v === '' || /^(US-[A-Z]{2}|[A-Z]{2})$/.test(v), 'cases.console.jurisdictionFormat'),
  risk: optional(['overdue', 'due_soon', 'late'] as const),
  q: field.text({ optional: true, max: 100 }),
  assignee: field.text({ optional: true, max: 36 }).refine((v) => v === '' || v === 'none' || UUID.test(v), 'cases.queue.chooseAssignee'),
  sort: optional(SORT_NAMES as unknown as readonly [string, ...string[]]),
  dir: optional(['asc', 'desc'] as const),
  cursor: field.text({ optional: true, max: 300 }).refine((v) => v === '' || isCursor(v), 'cases.queue.badCursor'),
});
export type QueueValues = z.infer<typeof queueForm>;

/** The sortable columns, in table order, and the key of each one's header. */
const COLUMNS = [
  { sort: 'age', key: 'cases.queue.age' },
  { sort: 'promise', key: 'cases.queue.promise' },
  { sort: 'due', key: 'cases.console.due' },
] as const;

/**
 * The queue page's model: a page of cases for the filters, the sortable headers (each a link that sorts by it, or
 * turns it around), the next page's link, the staff member's saved filters, and the physicians bulk assignment
 * offers. A refused filter or bulk action shows the page again with the problem beside its field.
 */
@Injectable()
export class QueuePage implements FormPresenter {
  constructor(
    private readonly pages: QueuePages,
    private readonly saved: SavedFilters,
    private readonly roster: PhysicianAccounts,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  /** The queue for a query string; a bad parameter (a cut cursor, a made-up state) is shown beside its field. */
  async show(query: Record<string, unknown>): Promise<{ model: Record<string, unknown>; refused: boolean }> {
    const checked = checkForm(queueForm, query ?? {});
    if (!checked.ok) return { model: await this.model(query, {}, checked.problems), refused: true };
    return { model: await this.model(query, checked.data), refused: false };
  }

  /** A refused bulk action or saved filter: the queue again, the problem beside the form that was posted. */
  async refused({ values, errors, query, action }: RefusedForm): Promise<Record<string, unknown>> {
    const checked = checkForm(queueForm, query ?? {});
    const form = action.endsWith('/filters') ? 'save' : 'bulk';
    return this.model(query ?? {}, checked.ok ? checked.data : {}, undefined, { [`${form}Values`]: values, [`${form}Errors`]: errors });
  }

  private async model(
    raw: Record<string, unknown>,
    f: Partial<QueueValues>,
    problems?: FieldProblems,
    extra: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const actor = this.context.actor()!;
    const locale = this.context.locale();
    const q: QueueQuery = {
      state: f.state || undefined,
      jurisdiction: f.jurisdiction || undefined,
      risk: f.risk || undefined,
      q: f.q || undefined,
      assignee: f.assignee || undefined,
      sort: (f.sort || undefined) as QueueQuery['sort'],
      dir: f.dir || undefined,
      cursor: f.cursor || undefined,
    };
    // A refused filter shows no rows: the problem is beside its field.
    const { rows, next } = problems ? { rows: [], next: null } : await this.pages.page(q, actor, locale);
    const errors = problems ? this.translator.messages(problems, locale) : undefined;
    const kept = new URLSearchParams();
    for (const k of SAVED_PARAMS) {
      const v = raw[k];
      if (typeof v === 'string' && v) kept.set(k, v);
    }
    const sort = q.sort ?? 'promise';
    const dir = q.dir ?? 'asc';
    const link = (changes: Record<string, string | null>) => {
      const params = new URLSearchParams(kept);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) params.delete(k);
        else params.set(k, v);
      }
      const text = params.toString();
      return `/console/cases${text ? `?${text}` : ''}`;
    };
    const staff = actor.roles.includes('admin') || actor.roles.includes('coordinator');
    const physicians = staff
      ? (await this.db.transaction((tx) => this.roster.assignable(tx))).filter((p) => p.accountId).map((p) => ({ id: p.id, name: p.name }))
      : [];
    return {
      rows,
      values: { ...raw, state: typeof raw.state === 'string' ? raw.state : '' },
      errors,
      states: ['open', 'all', ...CASE_STATES],
      columns: COLUMNS.map((c) => ({
        ...c,
        active: c.sort === sort,
        dir: c.sort === sort ? dir : null,
        href: link({ sort: c.sort, dir: c.sort === sort && dir === 'asc' ? 'desc' : 'asc', cursor: null }),
      })),
      nextHref: next ? link({ cursor: next }) : null,
      firstHref: q.cursor ? link({ cursor: null }) : null,
      here: kept.toString(),
      outcome: typeof raw.done === 'string' ? { done: Number(raw.done) || 0, skipped: Number(raw.skipped) || 0 } : null,
      saved: await this.saved.mine(),
      staff,
      physicians,
      ...extra,
    };
  }
}
