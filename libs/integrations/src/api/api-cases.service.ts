import { Injectable } from '@nestjs/common';
import { CASE_STATES, CaseFeed, CaseRecords, CaseReview, CaseState, CaseSummary } from '@consilium/cases';
import { NotFound } from '@consilium/core';
import { z } from 'zod';
import { instant, listParam, pageSize, parseQuery, UUID } from './api-input';
import { decodeCursor, encodeCursor } from './cursor';
import type { CaseDetailSchema, CaseSummarySchema } from './schemas/case.schemas';

export const CASE_PAGE_MAX = 200;

const caseQuery = z.object({
  state: listParam.pipe(
    z
      .array(z.enum(CASE_STATES.filter((s) => s !== 'draft') as [CaseState, ...CaseState[]], { error: 'integrations.api.oneOf' }))
      .optional(),
  ),
  updated_since: instant.optional(),
  cursor: z.string().optional(),
  limit: pageSize(CASE_PAGE_MAX, 100),
});

/** A case as every /api/v1 answer shows it (dates are serialised as ISO 8601). */
export function caseSummary(c: CaseSummary): CaseSummarySchema {
  return {
    id: c.id,
    number: c.number,
    state: c.state,
    offeringId: c.offeringId,
    patientId: c.patientId,
    jurisdiction: c.jurisdiction,
    route: c.route,
    assignedPhysicianAccountId: c.assignedPhysicianAccountId,
    createdAt: iso(c.createdAt)!,
    submittedAt: iso(c.submittedAt),
    acceptedAt: iso(c.acceptedAt),
    deliveredAt: iso(c.deliveredAt),
    closedAt: iso(c.closedAt),
    dueAt: iso(c.dueAt),
    updatedAt: iso(c.updatedAt)!,
  };
}

export function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}

/** The cases resource: the feed of the hospital's cases, and one case with its timeline, files and requests. */
@Injectable()
export class ApiCases {
  constructor(
    private readonly feed: CaseFeed,
    private readonly review: CaseReview,
    private readonly records: CaseRecords,
  ) {}

  async page(query: unknown): Promise<{ data: CaseSummarySchema[]; nextCursor: string | null }> {
    const q = parseQuery(caseQuery, query);
    const { cases, more } = await this.feed.page({
      states: q.state,
      updatedSince: q.updated_since,
      after: decodeCursor(q.cursor),
      limit: q.limit,
    });
    const last = cases.at(-1);
    return { data: cases.map(caseSummary), nextCursor: more && last ? encodeCursor(last.position) : null };
  }

  async one(id: string): Promise<CaseDetailSchema> {
    if (!UUID.test(id)) throw new NotFound();
    const { case: c, timeline, recordRequests, patient } = await this.review.view(id);
    // A draft is the patient's unfinished intake: not a case of the hospital's yet.
    if (c.state === 'draft') throw new NotFound();
    const files = (await this.records.facts(id)) ?? [];
    return {
      ...caseSummary({
        ...c,
        route: c.routeOverride?.route ?? c.route,
        assignedPhysicianAccountId: c.assignedPhysicianId,
        position: { at: '', id: c.id },
      }),
      patient: { id: c.patientId, name: patient.name, email: patient.email },
      questions: c.questions,
      diagnosis: c.diagnosis,
      proposedTreatment: c.proposedTreatment,
      intakeAnswers: c.intakeAnswers,
      localPhysician: c.localPhysician,
      timeline: timeline.map((e) => ({
        at: e.at.toISOString(),
        type: e.type,
        fromState: e.fromState,
        toState: e.toState,
        actorKind: e.actorKind,
        actorName: e.actorKind === 'staff' ? e.actorName : null,
        data: e.data,
      })),
      records: files.map((f) => ({ ...f, uploadedAt: f.uploadedAt.toISOString() })),
      recordRequests: recordRequests.map((r) => ({
        id: r.id,
        status: r.status,
        providerName: r.providerName,
        signedAt: r.signedAt.toISOString(),
      })),
      links: {
        opinion: `/api/v1/cases/${c.id}/opinion`,
        conversions: `/api/v1/cases/${c.id}/conversions`,
        fhirBundle: `/api/v1/fhir/Bundle/${c.id}`,
      },
    };
  }
}
