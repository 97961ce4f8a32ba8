import { Injectable } from '@nestjs/common';
import { Clock, ContextActor, rows, TenantDatabase } from '@consilium/core';
import { HOLD_EVENTS } from '../case-events';
import { CASE_STATES } from '../case-state';
import { OPEN_STATES } from '../case-queue.service';
import { promiseShown, PromiseShown } from '../promise/promise-clock';
import { decodeCursor, encodeCursor, QueueCursor } from './queue-cursor';

/** Sortable columns: each is one indexed key (see the coordinator-workbench migration), nulls folded to `infinity`. */
export const QUEUE_SORTS = {
  promise: `coalesce(c.promised_by, c.triage_by, 'infinity'::timestamptz)`,
  age: `coalesce(c.submitted_at, c.created_at)`,
  due: `coalesce(c.due_at, 'infinity'::timestamptz)`,
} as const;
export type QueueSort = keyof typeof QUEUE_SORTS;
export const SORT_NAMES = Object.keys(QUEUE_SORTS) as QueueSort[];

export interface QueueQuery {
  /** One state, `open` (everything in flight, the default) or `all`. */
  state?: string;
  jurisdiction?: string;
  /** Case number, patient name or email; three characters or more for names and emails (trigram search). */
  q?: string;
  /** Only cases assigned to nobody (`none`) or to this physician's account. */
  assignee?: string;
  /** `overdue` (the physician's review past due), `due_soon` (within two days), `late` (past the patient's promise). */
  risk?: 'overdue' | 'due_soon' | 'late';
  sort?: QueueSort;
  dir?: 'asc' | 'desc';
  cursor?: string;
  limit?: number;
}

export interface QueuePageRow {
  id: string;
  number: string;
  state: string;
  patientName: string;
  specialty: string | null;
  offering: string | null;
  assignee: string | null;
  assigneeId: string | null;
  jurisdiction: string | null;
  campaign: string | null;
  submittedAt: Date | null;
  /** Whole days since the case was sent. */
  ageDays: number;
  dueAt: Date | null;
  overdue: boolean;
  promise: PromiseShown | null;
  /** Hours left on the running promise (negative when past it); null while paused or with nothing promised. */
  hoursLeft: number | null;
  /** The same for reading: whole days from two days on, else hours; `past` once the promise has passed. */
  left: { days: number | null; hours: number | null; past: boolean } | null;
  /** The coordinator accepted, and the acceptance waits for the patient to confirm payment (the hold lapsed). */
  waitingForPayment: boolean;
}

export interface QueuePage {
  rows: QueuePageRow[];
  /** The next page's cursor, or null on the last page. */
  next: string | null;
}

interface Row {
  id: string;
  number: string;
  state: string;
  patient_name: string;
  specialty: Record<string, string> | null;
  offering: Record<string, string> | null;
  assignee: string | null;
  assignee_id: string | null;
  jurisdiction: string | null;
  campaign: string | null;
  submitted_at: Date | null;
  created_at: Date;
  due_at: Date | null;
  triage_by: Date | null;
  promised_by: Date | null;
  paused_at: Date | null;
  late_at: Date | null;
  revised_by: Date | null;
  delivered_at: Date | null;
  sort_key: string;
  waiting_for_payment: boolean;
}

/** A search's words as case_search_terms_of splits a case's: lowercased letters and digits, two or more. */
export const searchWords = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);

/** The first text after every text that starts with `prefix` (its last character, one code point on). */
function nextPrefix(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop()!;
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

/**
 * The coordinator's queue, a page at a time, by keyset (never OFFSET): the page after a cursor `(key, id)` reads the
 * next rows of one index. The open queue spans several states; it is one ordered, limited index range per state,
 * merged (a Merge Append over `cases_sort_<key>`), so the first page costs the same at 100 or 100,000 cases. A
 * search first finds the matching cases (trigram indexes on the number, and on the patient's name and email), then
 * sorts only those. Physicians see only their own cases. The benchmark (test/bench/queue.mjs) times each shape
 * against the raw indexed query.
 */
@Injectable()
export class QueuePages {
  constructor(
    private readonly db: TenantDatabase,
    private readonly clock: Clock,
  ) {}

  page(query: QueueQuery, actor: ContextActor, locale: string): Promise<QueuePage> {
    const now = this.clock.now();
    const { sql, params, limit } = this.statement(query, actor, now);
    return this.db.transaction(async (tx) => {
      const found = await rows<Row>(tx, sql, params);
      const more = found.length > limit;
      const shown = found.slice(0, limit);
      const last = shown[shown.length - 1];
      return {
        rows: shown.map((r) => this.row(r, now, locale)),
        next: more && last ? encodeCursor({ key: last.sort_key, id: last.id }) : null,
      };
    });
  }

  /** The page's one SQL statement and its parameters (the benchmark prints its plan). */
  statement(query: QueueQuery, actor: ContextActor, now: Date): { sql: string; params: unknown[]; limit: number } {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    const sort: QueueSort = query.sort ?? 'promise';
    const dir = query.dir === 'desc' ? 'DESC' : 'ASC';
    const key = QUEUE_SORTS[sort];
    const cursor: QueueCursor | null = query.cursor ? decodeCursor(query.cursor) : null;
    const params: unknown[] = [];
    const p = (value: unknown) => `$${params.push(value)}`;

    const filters: string[] = [];
    if (query.jurisdiction) filters.push(`c.jurisdiction = ${p(query.jurisdiction)}`);
    if (query.risk) {
      const at = p(now);
      filters.push(
        query.risk === 'overdue'
          ? `c.due_at < ${at}::timestamptz`
          : query.risk === 'due_soon'
            ? `c.due_at BETWEEN ${at}::timestamptz AND ${at}::timestamptz + interval '2 days'`
            : `c.promised_by < ${at}::timestamptz AND c.paused_at IS NULL AND c.delivered_at IS NULL`,
      );
    }
    if (query.assignee === 'none') filters.push('c.assigned_physician_id IS NULL');
    else if (query.assignee) filters.push(`c.assigned_physician_id = ${p(query.assignee)}::uuid`);
    const staffView = actor.roles.includes('admin') || actor.roles.includes('coordinator');
    if (!staffView) {
      const me = p(actor.id);
      filters.push(
        `(c.assigned_physician_id = ${me}::uuid OR EXISTS (SELECT 1 FROM case_contributors k WHERE k.tenant_id = c.tenant_id AND k.case_id = c.id AND k.account_id = ${me}::uuid))`,
      );
    }
    if (cursor) filters.push(`(${key}, c.id) ${dir === 'ASC' ? '>' : '<'} (${p(cursor.key)}::timestamptz, ${p(cursor.id)}::uuid)`);

    const chosen = query.state === 'all' ? [...CASE_STATES] : query.state && query.state !== 'open' ? [query.state] : OPEN_STATES;
    // Written into the SQL below (one branch per state): only the machine's own state names.
    const states = chosen.filter((s) => (CASE_STATES as readonly string[]).includes(s));
    const search = query.q?.trim();
    let candidates: string;
    if (search) {
      // Each word of the search is a prefix of one of a case's words (see case_search_terms): a range of a btree,
      // the one kind of index condition forced row-level security allows here (text comparison is leakproof).
      const words = [...new Set(searchWords(search))];
      const hits = words.length
        ? words
            .map((w) => `SELECT DISTINCT case_id FROM case_search_terms WHERE term >= ${p(w)} AND term < ${p(nextPrefix(w))}`)
            .join(' INTERSECT ')
        : 'SELECT NULL::uuid AS case_id WHERE false';
      // MATERIALIZED: the matches first (a few hundred of 100,000), then each by its key; never a walk of the
      // whole sort order probing each case against the matches.
      candidates = `WITH hits AS MATERIALIZED (${hits})
        SELECT c.*, ${key} AS sort_key FROM hits h JOIN cases c ON c.id = h.case_id
        WHERE c.state = ANY(${p(states)}) ${filters.map((f) => `AND ${f}`).join(' ')}
        ORDER BY ${key} ${dir}, c.id ${dir} LIMIT ${p(limit + 1)}`;
    } else {
      // One ordered, limited range per state (its index), merged; the outer ORDER BY keeps the merge's order.
      const lim = p(limit + 1);
      candidates = states
        .map(
          (state) => `(SELECT c.*, ${key} AS sort_key FROM cases c WHERE c.state = '${state}' ${filters.map((f) => `AND ${f}`).join(' ')}
            ORDER BY ${key} ${dir}, c.id ${dir} LIMIT ${lim})`,
        )
        .join(' UNION ALL ');
      candidates = `SELECT * FROM (${candidates}) s ORDER BY s.sort_key ${dir}, s.id ${dir} LIMIT ${lim}`;
    }
    // Names for the page's rows only: the patient, the assignee, the offering and its specialty, the campaign.
    const sql = `WITH page AS (${candidates.startsWith('WITH') ? `SELECT * FROM (${candidates}) m` : candidates})
      SELECT c.id, c.number, c.state, pa.name AS patient_name, sp.name AS specialty, o.name AS offering, asg.name AS assignee,
             c.assigned_physician_id AS assignee_id, c.jurisdiction, c.submitted_at, c.created_at, c.due_at, c.triage_by, c.promised_by,
             c.paused_at, c.late_at, c.revised_by, c.delivered_at, c.sort_key::text AS sort_key,
             coalesce(c.campaign->>'utm_campaign', (SELECT v.utm_campaign FROM visits v WHERE v.tenant_id = c.tenant_id AND v.visitor_id = c.visitor_id
                AND v.utm_campaign IS NOT NULL ORDER BY v.landed_at DESC LIMIT 1)) AS campaign,
             -- The acceptance waits for the patient to confirm payment: the last of billing's hold events says so.
             (c.state = 'triage' AND coalesce((SELECT e.type FROM case_events e WHERE e.tenant_id = c.tenant_id AND e.case_id = c.id
                AND e.type IN (${HOLD_EVENTS.map((t) => `'${t}'`).join(', ')}) ORDER BY e.seq DESC LIMIT 1) = 'payment_confirmation_requested', false))
               AS waiting_for_payment
        FROM page c
        JOIN accounts pa ON pa.tenant_id = c.tenant_id AND pa.id = c.patient_id
        LEFT JOIN accounts asg ON asg.tenant_id = c.tenant_id AND asg.id = c.assigned_physician_id
        LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id
        LEFT JOIN specialties sp ON sp.tenant_id = o.tenant_id AND sp.id = o.specialty_id
       ORDER BY c.sort_key ${dir}, c.id ${dir}`;
    return { sql, params, limit };
  }

  private row(r: Row, now: Date, locale: string): QueuePageRow {
    const promise = promiseShown(
      {
        state: r.state,
        triageBy: r.triage_by,
        promisedBy: r.promised_by,
        pausedAt: r.paused_at,
        lateAt: r.late_at,
        revisedBy: r.revised_by,
        deliveredAt: r.delivered_at,
      },
      now,
    );
    const sent = r.submitted_at ?? r.created_at;
    const hoursLeft = promise && promise.kind !== 'paused' ? Math.round((promise.date.getTime() - now.getTime()) / 3_600_000) : null;
    const span = hoursLeft === null ? 0 : Math.abs(hoursLeft);
    return {
      id: r.id,
      number: r.number,
      state: r.state,
      patientName: r.patient_name,
      specialty: localized(r.specialty, locale),
      offering: localized(r.offering, locale),
      assignee: r.assignee,
      assigneeId: r.assignee_id,
      jurisdiction: r.jurisdiction,
      campaign: r.campaign,
      submittedAt: r.submitted_at,
      ageDays: Math.max(0, Math.floor((now.getTime() - sent.getTime()) / 86_400_000)),
      dueAt: r.due_at,
      overdue: !!r.due_at && r.due_at < now,
      promise,
      hoursLeft,
      left:
        hoursLeft === null
          ? null
          : { days: span >= 48 ? Math.floor(span / 24) : null, hours: span < 48 ? span : null, past: hoursLeft < 0 },
      waitingForPayment: r.waiting_for_payment,
    };
  }
}

/** A catalog name in the reader's language, else the first one the hospital wrote. */
function localized(name: Record<string, string> | null, locale: string): string | null {
  if (!name) return null;
  return name[locale] ?? name[locale.split('-')[0]] ?? Object.values(name)[0] ?? null;
}
