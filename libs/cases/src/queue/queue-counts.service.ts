import { Injectable } from '@nestjs/common';
import { Clock, ContextActor, ConsoleHomeSections, one, RequestContext, TenantDatabase, todayIn } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { QueuePages } from './queue-pages.service';

/** What the coordinator's home counts, each a link to the queue (or billing's page) showing exactly those cases. */
export const HOME_COUNTS = [
  { key: 'new', href: '/console/cases?state=submitted' },
  { key: 'records', href: '/console/cases?state=awaiting_records' },
  { key: 'unassigned', href: '/console/cases?state=accepted&assignee=none' },
  { key: 'overdue', href: '/console/cases?risk=overdue' },
  { key: 'late', href: '/console/cases?risk=late' },
  { key: 'funding', href: '/console/funding' },
  { key: 'extras', href: '/console/extras' },
] as const;

interface Counts {
  new: number;
  records: number;
  unassigned: number;
  overdue: number;
  late: number;
  funding: number;
  extras: number;
  sent_month: number;
  accepted_month: number;
  delivered_month: number;
}

/**
 * The console home's work panel: for coordinators and admins, the counts of what waits on the hospital, each a link;
 * for admins also this month's figures (in the hospital's time zone); for physicians, their own queue with its
 * deadlines. One query of counts (the open states are a small, indexed part of the cases).
 */
@Injectable()
export class QueueCounts {
  constructor(
    private readonly db: TenantDatabase,
    private readonly clock: Clock,
    private readonly context: RequestContext,
    private readonly pages: QueuePages,
    sections: ConsoleHomeSections,
  ) {
    sections.register({ name: 'cases', order: 10, partial: 'cases/home-work', load: (actor) => this.home(actor) });
  }

  async home(actor: ContextActor): Promise<Record<string, unknown> | null> {
    const staff = actor.roles.includes('admin') || actor.roles.includes('coordinator');
    if (!staff) {
      if (!actor.roles.includes('physician')) return null;
      const page = await this.pages.page({ sort: 'due', limit: 10 }, actor, this.context.locale());
      return { physician: true, rows: page.rows, more: !!page.next };
    }
    const counts = await this.counts();
    return {
      counts: HOME_COUNTS.map((c) => ({ ...c, n: counts[c.key], labelKey: `cases.home.count.${c.key}` })),
      month: actor.roles.includes('admin')
        ? { sent: counts.sent_month, accepted: counts.accepted_month, delivered: counts.delivered_month }
        : null,
    };
  }

  private async counts(): Promise<Counts> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const now = this.clock.now();
    // The first day of this month in the hospital's time zone.
    const month = `${todayIn(tenant.timeZone, now).slice(0, 7)}-01`;
    return this.db.transaction((tx) =>
      one<Counts>(
        tx,
        `SELECT count(*) FILTER (WHERE state = 'submitted')::int AS new,
                count(*) FILTER (WHERE state = 'awaiting_records')::int AS records,
                count(*) FILTER (WHERE state = 'accepted' AND assigned_physician_id IS NULL)::int AS unassigned,
                count(*) FILTER (WHERE due_at < $1 AND state IN ('assigned', 'in_review'))::int AS overdue,
                count(*) FILTER (WHERE promised_by < $1 AND paused_at IS NULL AND delivered_at IS NULL)::int AS late,
                -- Billing's rows, read (never written) for their counts: funding claims to review, paid extras to book.
                (SELECT count(*)::int FROM funding_claims WHERE status = 'pending_review') AS funding,
                (SELECT count(*)::int FROM case_extras WHERE status = 'paid') AS extras,
                (SELECT count(*)::int FROM cases WHERE submitted_at >= ($2::date::timestamp AT TIME ZONE $3)) AS sent_month,
                (SELECT count(*)::int FROM cases WHERE accepted_at >= ($2::date::timestamp AT TIME ZONE $3)) AS accepted_month,
                (SELECT count(*)::int FROM cases WHERE delivered_at >= ($2::date::timestamp AT TIME ZONE $3)) AS delivered_month
           FROM cases WHERE state IN ('submitted', 'triage', 'awaiting_records', 'accepted', 'assigned', 'in_review', 'opinion_signed')`,
        [now, month, tenant.timeZone],
      ),
    );
  }
}
