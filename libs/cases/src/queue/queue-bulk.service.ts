import { Injectable } from '@nestjs/common';
import { DomainError, InvalidInput, msg } from '@consilium/core';
import { CaseAssignments } from '../assignment/case-assignments.service';
import { CaseReview } from '../case-review.service';

export interface BulkOutcome {
  done: number;
  /** Cases left as they were: each was refused by the same rule as on its own page (not eligible, wrong state). */
  skipped: number;
}

/** The most cases one bulk action takes: a queue page's worth. */
export const BULK_LIMIT = 200;

/**
 * A coordinator's action on several cases of the queue at once: each case goes through the same service call as on
 * its own page, in its own transaction, so one refused case (a physician not eligible for it, a state that takes no
 * records request) leaves the others done and is counted, never half-applied.
 */
@Injectable()
export class QueueBulk {
  constructor(
    private readonly assignments: CaseAssignments,
    private readonly review: CaseReview,
  ) {}

  assign(caseIds: string[], physicianId: string): Promise<BulkOutcome> {
    return this.each(caseIds, (id) => this.assignments.assign(id, physicianId));
  }

  requestRecords(caseIds: string[], reason: string): Promise<BulkOutcome> {
    if (!reason.trim()) throw new InvalidInput({ reason: msg('cases.form.sayWhatIsMissing') });
    return this.each(caseIds, (id) => this.review.requestRecords(id, reason));
  }

  private async each(caseIds: string[], act: (id: string) => Promise<unknown>): Promise<BulkOutcome> {
    if (!caseIds.length) throw new InvalidInput({ cases: msg('cases.queue.chooseCases') });
    if (caseIds.length > BULK_LIMIT) throw new InvalidInput({ cases: msg('cases.queue.tooManyCases', { max: BULK_LIMIT }) });
    const outcome: BulkOutcome = { done: 0, skipped: 0 };
    for (const id of new Set(caseIds)) {
      try {
        await act(id);
        outcome.done++;
      } catch (error) {
        // A domain refusal (not found, not eligible, wrong state) skips this case; anything else is a fault.
        if (!(error instanceof DomainError)) throw error;
        outcome.skipped++;
      }
    }
    return outcome;
  }
}
