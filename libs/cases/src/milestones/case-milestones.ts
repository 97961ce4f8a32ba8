import { Injectable } from '@nestjs/common';
import { first, isPlatformLocale, rows } from '@consilium/core';
import { EmailData, EmailTemplate, Mailer, TextMessages } from '@consilium/notifications';
import { EntityManager } from 'typeorm';
import type { Case } from '../case.entity';
import { refundedOf } from '../refunded-amount';

/** The moments a patient is told about, each with its email (words at `notifications.email.<template>`). */
export const PATIENT_MILESTONES = {
  request_submitted: 'request-submitted',
  records_requested: 'records-requested',
  request_accepted: 'request-accepted',
  request_declined: 'request-declined',
  specialist_assigned: 'specialist-assigned',
  running_late: 'running-late',
  opinion_ready: 'opinion-ready',
  follow_up_answered: 'follow-up-answered',
  check_in_due: 'check-in-due',
  refund_issued: 'refund-issued',
  request_cancelled: 'request-cancelled',
} as const satisfies Record<string, EmailTemplate>;

export type PatientMilestone = keyof typeof PATIENT_MILESTONES;
type MilestoneData<M extends PatientMilestone> = Omit<EmailData<(typeof PATIENT_MILESTONES)[M]>, 'caseId'>;

/** The timeline line a message leaves (`cases.timeline.notified.<milestone>` for the patient). */
export interface MilestoneEvent {
  type: 'patient_notified';
  data: { milestone: PatientMilestone };
}

/**
 * Tells the patient that their case reached a milestone: one branded email by key in their language, carrying ids,
 * dates and amounts only, a short keyed text with the same link when the hospital and the patient opted in to SMS,
 * and one line on the case's timeline. Once: the key (`case + milestone`, with `occurrence`
 * for milestones that recur, such as a follow-up's round or a check-in's day) is a row written in the same
 * transaction, so a retried job or a repeated call finds it and sends nothing.
 */
@Injectable()
export class CaseMilestones {
  constructor(
    private readonly mailer: Mailer,
    private readonly texts: TextMessages,
  ) {}

  /** After a move of the state machine (`c` as it is after the move, promise dates included). */
  async afterMove(tx: EntityManager, c: Case, move: string, data?: Record<string, unknown>): Promise<MilestoneEvent | null> {
    switch (move) {
      case 'submit':
        // CasePromises has just set the promises (it runs first, in the same move).
        return this.reach(tx, c, 'request_submitted', { triageBy: c.triageBy!.getTime() });
      case 'request_records':
        return this.reach(tx, c, 'records_requested', {}, await this.times(tx, c, move));
      case 'accept':
        return this.reach(tx, c, 'request_accepted', {
          amount: c.quote?.total ?? 0,
          currency: c.quote?.currency ?? 'USD',
          promisedBy: c.promisedBy!.getTime(),
        });
      case 'decline':
        return this.reach(tx, c, 'request_declined', {});
      case 'assign':
        return this.reach(tx, c, 'specialist_assigned', {});
      case 'deliver':
        return this.reach(tx, c, 'opinion_ready', {});
      case 'answer_follow_up':
        return this.reach(tx, c, 'follow_up_answered', {}, await this.times(tx, c, move));
      case 'cancel':
        return this.reach(tx, c, 'request_cancelled', {});
      case 'refund':
        return this.reach(tx, c, 'refund_issued', refundedOf(data), await this.times(tx, c, move));
      default:
        return null;
    }
  }

  async reach<M extends PatientMilestone>(
    tx: EntityManager,
    c: Pick<Case, 'tenantId' | 'id' | 'patientId'>,
    milestone: M,
    data: MilestoneData<M>,
    occurrence?: string | number,
  ): Promise<MilestoneEvent | null> {
    const key = occurrence === undefined ? milestone : `${milestone}:${occurrence}`;
    const fresh = await first<{ fresh: boolean }>(
      tx,
      `WITH reached AS (
         INSERT INTO case_milestones (tenant_id, case_id, milestone) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
       ) SELECT true AS fresh FROM reached`,
      [c.tenantId, c.id, key],
    );
    if (!fresh) return null;
    const patient = await first<{ email: string; locale: string | null }>(
      tx,
      'SELECT email, locale FROM accounts WHERE id = $1 AND disabled_at IS NULL',
      [c.patientId],
    );
    if (patient) {
      const message = {
        tenantId: c.tenantId,
        locale: patient.locale && isPlatformLocale(patient.locale) ? patient.locale : undefined,
        template: PATIENT_MILESTONES[milestone],
        data: { caseId: c.id, ...data } as EmailData<(typeof PATIENT_MILESTONES)[M]>,
      };
      await this.mailer.send(tx, { ...message, to: patient.email });
      // Under the same key as the email: sent once, or not at all.
      await this.texts.sendIfOptedIn(tx, { ...message, accountId: c.patientId });
    }
    // An adult patient who follows the request their caregiver made is told too, in their own language.
    const followers = await rows<{ email: string; locale: string | null }>(
      tx,
      `SELECT a.email, a.locale FROM case_followers f JOIN accounts a ON a.tenant_id = f.tenant_id AND a.id = f.account_id
        WHERE f.case_id = $1 AND a.disabled_at IS NULL`,
      [c.id],
    );
    for (const follower of followers)
      await this.mailer.send(tx, {
        tenantId: c.tenantId,
        to: follower.email,
        locale: follower.locale && isPlatformLocale(follower.locale) ? follower.locale : undefined,
        template: PATIENT_MILESTONES[milestone],
        data: { caseId: c.id, ...data } as EmailData<(typeof PATIENT_MILESTONES)[M]>,
      });
    return { type: 'patient_notified', data: { milestone } };
  }

  /** How many times the case has made this move (the move itself included): a recurring milestone's occurrence. */
  private async times(tx: EntityManager, c: Pick<Case, 'tenantId' | 'id'>, move: string): Promise<number> {
    const row = await first<{ n: number }>(
      tx,
      'SELECT count(*)::int AS n FROM case_events WHERE tenant_id = $1 AND case_id = $2 AND type = $3',
      [c.tenantId, c.id, move],
    );
    return row?.n ?? 1;
  }
}
