import { Injectable } from '@nestjs/common';
import { first, InvalidInput, msg, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { CaseAccess } from './case-access';
import { CasePipeline } from './case-pipeline.service';
import { ConversionInput, Conversions } from './conversions.service';

export const REFERRAL_REASONS = ['discuss_opinion', 'treatment', 'procedure', 'follow_up'] as const;
export const PREFERRED_TIMES = ['weekday_morning', 'weekday_afternoon', 'weekday_evening', 'saturday'] as const;
export const REFERRAL_STATES = ['requested', 'contacted', 'booked', 'declined', 'no_answer'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

/** Where a task may go from each state: booked and declined are final; no answer may be tried again. */
export const REFERRAL_MOVES: Record<ReferralState, readonly ReferralState[]> = {
  requested: ['contacted', 'booked', 'declined', 'no_answer'],
  contacted: ['booked', 'declined', 'no_answer'],
  no_answer: ['contacted', 'booked', 'declined'],
  booked: [],
  declined: [],
};

export interface ReferralTask {
  id: string;
  caseId: string;
  caseNumber: string;
  reason: string;
  preferredTimes: string[];
  state: ReferralState;
  requestedAt: Date;
  updatedAt: Date;
  /** Who the patient asked to see: the physician who signed, else the specialty (data, never words of ours). */
  physicianName: string | null;
  specialtyName: string | null;
  conversionId: string | null;
}

const SELECT_TASK = `
  SELECT r.id, r.case_id AS "caseId", c.number AS "caseNumber", r.reason, r.preferred_times AS "preferredTimes", r.state,
         r.requested_at AS "requestedAt", r.updated_at AS "updatedAt", r.conversion_id AS "conversionId",
         p.name AS "physicianName", coalesce(s.name->>$1, s.name->>'en', s.slug) AS "specialtyName"
    FROM referral_tasks r
    JOIN cases c ON c.tenant_id = r.tenant_id AND c.id = r.case_id
    LEFT JOIN physicians p ON p.tenant_id = c.tenant_id AND p.account_id = c.assigned_physician_id
    LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id
    LEFT JOIN specialties s ON s.tenant_id = o.tenant_id AND s.id = o.specialty_id`;

/**
 * A visit booked from the opinion: the patient asks for an appointment (a reason and the times that suit them, never
 * free text), staff work the task to booked, declined or no answer, and a booking records the visit or procedure as
 * the case's conversion, credited like any other to the case's campaign and physician. Each step is a case event,
 * so a connected hospital's systems hear of it by webhook.
 */
@Injectable()
export class Referrals {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly conversions: Conversions,
    private readonly context: RequestContext,
  ) {}

  /** Who the patient would see, for the form's heading: the physician who signed, else the case's specialty. */
  async target(caseId: string): Promise<{ physicianName: string | null; specialtyName: string | null; open: ReferralTask | undefined }> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!c.deliveredAt) throw new NotFound();
      const who = await first<{ physicianName: string | null; specialtyName: string | null }>(
        tx,
        `SELECT p.name AS "physicianName", coalesce(s.name->>$1, s.name->>'en', s.slug) AS "specialtyName"
           FROM cases c LEFT JOIN physicians p ON p.tenant_id = c.tenant_id AND p.account_id = c.assigned_physician_id
           LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id
           LEFT JOIN specialties s ON s.tenant_id = o.tenant_id AND s.id = o.specialty_id
          WHERE c.id = $2`,
        [this.context.locale(), c.id],
      );
      const open = await first<ReferralTask>(tx, `${SELECT_TASK} WHERE r.case_id = $2 ORDER BY r.requested_at DESC LIMIT 1`, [
        this.context.locale(),
        c.id,
      ]);
      return { physicianName: who?.physicianName ?? null, specialtyName: who?.specialtyName ?? null, open };
    });
  }

  /** The patient's request, once the opinion is delivered. While one is open, asking again is the same request. */
  async request(caseId: string, input: { reason: string; times: string[] }): Promise<string> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!c.deliveredAt) throw new NotFound();
      const open = await first<{ id: string }>(
        tx,
        `SELECT id FROM referral_tasks WHERE case_id = $1 AND state IN ('requested', 'contacted')`,
        [c.id],
      );
      if (open) return open.id;
      const [{ id }] = await rows<{ id: string }>(
        tx,
        `INSERT INTO referral_tasks (tenant_id, case_id, reason, preferred_times) VALUES ($1, $2, $3, $4) RETURNING id`,
        [c.tenantId, c.id, input.reason, input.times],
      );
      await this.pipeline.record(tx, c, { type: 'referral_requested', data: { referralId: id, reason: input.reason } });
      return id;
    });
  }

  /** One task of the hospital by id, with the case's patient (the API's FHIR read), or undefined. */
  find(id: string): Promise<(ReferralTask & { patientId: string }) | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
    return this.db.transaction(async (tx) => {
      const task = await first<ReferralTask & { patientId: string }>(
        tx,
        `${SELECT_TASK.replace('SELECT r.id,', 'SELECT c.patient_id AS "patientId", r.id,')} WHERE r.id = $2`,
        [this.context.locale(), id],
      );
      if (!task) return undefined;
      await this.access.caseFor(tx, task.caseId);
      return task;
    });
  }

  /** The hospital's tasks, open ones first (oldest first: who has waited longest), then the rest most recent first. */
  list(filter: { state?: ReferralState } = {}): Promise<ReferralTask[]> {
    return this.db.transaction((tx) =>
      rows<ReferralTask>(
        tx,
        `${SELECT_TASK} WHERE ($2::text IS NULL OR r.state = $2)
          ORDER BY (r.state IN ('requested', 'contacted', 'no_answer')) DESC,
                   CASE WHEN r.state IN ('requested', 'contacted', 'no_answer') THEN r.requested_at END ASC, r.updated_at DESC
          LIMIT 500`,
        [this.context.locale(), filter.state ?? null],
      ),
    );
  }

  /**
   * Moves a task on. Booking records the visit or procedure (kind, day, value as typed) as a conversion in the same
   * transaction, so a booked task always has its conversion and a refused one leaves nothing.
   */
  async move(id: string, to: string, booking?: ConversionInput): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound();
    await this.db.transaction(async (tx) => {
      const task = await first<{ case_id: string; state: ReferralState }>(
        tx,
        `SELECT case_id, state FROM referral_tasks WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!task) throw new NotFound();
      const c = await this.access.caseFor(tx, task.case_id);
      if (!(REFERRAL_MOVES[task.state] as readonly string[]).includes(to))
        throw new InvalidInput({ [`state_${id}`]: msg('cases.referrals.notAllowed') });
      let conversionId: string | null = null;
      if (to === 'booked') {
        if (!booking) throw new InvalidInput({ [`kind_${id}`]: msg('cases.referrals.bookingNeeded') });
        // The booking's fields are in the task's row: its problems are reported there.
        conversionId = await this.conversions.recordIn(tx, c, booking, `referral|${id}`, `_${id}`);
      }
      await tx.query(
        `UPDATE referral_tasks SET state = $2, conversion_id = coalesce($3, conversion_id), updated_at = now(), updated_by = $4 WHERE id = $1`,
        [id, to, conversionId, this.context.actor()?.id ?? null],
      );
      await this.pipeline.record(tx, c, { type: 'referral_state', data: { referralId: id, state: to } });
    });
  }
}
