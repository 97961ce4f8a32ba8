import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { In } from 'typeorm';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CaseFollowers } from './case-followers.service';
import { waitingForPayment } from './case-events';
import { MOVES_BY_NAME } from './case-state';
import { PATIENT_MILESTONES } from './milestones/case-milestones';

export interface TimelineEntry {
  at: Date;
  /** Catalog key of what happened, in the patient's words: `cases.timeline.<move or event>`. */
  label: string;
  kind: 'move' | 'message' | 'other';
}

/** Events that mean something to the patient besides moves (each has its words at `cases.timeline.<type>`). */
export const PATIENT_EVENTS: readonly string[] = [
  'message',
  'records_uploaded',
  'records_asked',
  'opinion_ready',
  'promise_paused',
  'promise_resumed',
  'promise_late',
  'payment_confirmation_requested',
  'payment_confirmed',
];

/** The patient's view of a case, rendered from its events: what happened and when, in plain words. */
@Injectable()
export class CaseTimeline {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly followers: CaseFollowers,
  ) {}

  /** `waitingForPayment`: since when the hospital's acceptance waits for the patient to confirm payment, or null. */
  forPatient(caseId: string): Promise<{ case: Case; entries: TimelineEntry[]; waitingForPayment: Date | null }> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const events: { type: string; occurred_at: Date; data: { milestone?: string } }[] = await tx.query(
        'SELECT type, occurred_at, data FROM case_events WHERE case_id = $1 ORDER BY seq',
        [c.id],
      );
      const entries: TimelineEntry[] = [];
      for (const e of events) {
        const move = MOVES_BY_NAME.get(e.type);
        if (move) entries.push({ at: e.occurred_at, label: `cases.timeline.${move.name}`, kind: 'move' });
        else if (e.type === 'patient_notified' && e.data.milestone && e.data.milestone in PATIENT_MILESTONES)
          entries.push({ at: e.occurred_at, label: `cases.timeline.notified.${e.data.milestone}`, kind: 'other' });
        else if (PATIENT_EVENTS.includes(e.type))
          entries.push({ at: e.occurred_at, label: `cases.timeline.${e.type}`, kind: e.type === 'message' ? 'message' : 'other' });
      }
      const waiting = c.state === 'triage' ? waitingForPayment(events.map((e) => ({ type: e.type, at: e.occurred_at }))) : null;
      return { case: c, entries, waitingForPayment: waiting };
    });
  }

  /** The patient's cases and those they follow, newest first (drafts included: they can resume them). */
  listForPatient(patientId: string): Promise<Case[]> {
    return this.db.transaction(async (tx) => {
      const followed = await this.followers.followedBy(tx, patientId);
      const where = followed.length ? [{ patientId }, { id: In(followed) }] : { patientId };
      return tx.find(Case, { where, order: { createdAt: 'DESC' } });
    });
  }
}
