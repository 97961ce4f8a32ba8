import { Injectable } from '@nestjs/common';
import { rows, TenantDatabase } from '@consilium/core';
import type { CaseState } from './case-state';

export interface CaseFeedFilter {
  /** Only these states (any of them); none means every state but `draft`. */
  states?: CaseState[];
  /** Only cases where something happened at or after this moment (ISO 8601). */
  updatedSince?: string;
  /** Keyset position: the `position` of the last case of the previous page. */
  after?: CaseFeedPosition;
  limit: number;
}

/** Where a case sits in the feed's order: its `updated_at` as PostgreSQL prints it (microseconds kept), and its id. */
export interface CaseFeedPosition {
  at: string;
  id: string;
}

export interface CaseSummary {
  id: string;
  number: string;
  state: CaseState;
  offeringId: string | null;
  patientId: string;
  jurisdiction: string | null;
  /** The licensure route in force: a coordinator's override, else the router's. */
  route: string | null;
  assignedPhysicianAccountId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  acceptedAt: Date | null;
  deliveredAt: Date | null;
  closedAt: Date | null;
  dueAt: Date | null;
  updatedAt: Date;
  position: CaseFeedPosition;
}

/**
 * The hospital's cases in the order they last changed (`updated_at`, then id), a page at a time, for integrations
 * that keep another system in step. Keyset pagination: each page starts strictly after the previous page's last
 * case, so a page costs the same at the millionth case as at the first, and a case that changes meanwhile moves to
 * the end instead of shifting every page. Drafts (an intake the patient has not sent) are not the hospital's yet.
 *
 * Indexed by `cases_feed` (tenant_id, updated_at, id) and, with a state filter, `cases_feed_by_state`.
 */
@Injectable()
export class CaseFeed {
  constructor(private readonly db: TenantDatabase) {}

  page(filter: CaseFeedFilter): Promise<{ cases: CaseSummary[]; more: boolean }> {
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [];
      const bind = (value: unknown) => `$${params.push(value)}`;
      const where = ["c.state <> 'draft'"];
      if (filter.states?.length) where.push(`c.state = ANY(${bind(filter.states)}::text[])`);
      if (filter.updatedSince) where.push(`c.updated_at >= ${bind(filter.updatedSince)}::timestamptz`);
      if (filter.after) where.push(`(c.updated_at, c.id) > (${bind(filter.after.at)}::timestamptz, ${bind(filter.after.id)}::uuid)`);
      const found = await rows<{
        id: string;
        number: string;
        state: CaseState;
        offering_id: string | null;
        patient_id: string;
        jurisdiction: string | null;
        route: string | null;
        assigned_physician_id: string | null;
        created_at: Date;
        submitted_at: Date | null;
        accepted_at: Date | null;
        delivered_at: Date | null;
        closed_at: Date | null;
        due_at: Date | null;
        updated_at: Date;
        position_at: string;
      }>(
        tx,
        `SELECT c.id, c.number, c.state, c.offering_id, c.patient_id, c.jurisdiction,
                coalesce(c.route_override->>'route', c.route) AS route, c.assigned_physician_id,
                c.created_at, c.submitted_at, c.accepted_at, c.delivered_at, c.closed_at, c.due_at, c.updated_at,
                c.updated_at::text AS position_at
           FROM cases c
          WHERE ${where.join(' AND ')}
          ORDER BY c.updated_at, c.id
          LIMIT ${bind(filter.limit + 1)}`,
        params,
      );
      return {
        more: found.length > filter.limit,
        cases: found.slice(0, filter.limit).map((r) => ({
          id: r.id,
          number: r.number,
          state: r.state,
          offeringId: r.offering_id,
          patientId: r.patient_id,
          jurisdiction: r.jurisdiction,
          route: r.route,
          assignedPhysicianAccountId: r.assigned_physician_id,
          createdAt: r.created_at,
          submittedAt: r.submitted_at,
          acceptedAt: r.accepted_at,
          deliveredAt: r.delivered_at,
          closedAt: r.closed_at,
          dueAt: r.due_at,
          updatedAt: r.updated_at,
          position: { at: r.position_at, id: r.id },
        })),
      };
    });
  }
}
