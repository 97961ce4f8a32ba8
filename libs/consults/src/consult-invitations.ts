import { Injectable } from '@nestjs/common';
import { rows } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { Mailer } from '@consilium/notifications';
import { EntityManager } from 'typeorm';
import { CONSULT_REMINDER_JOB } from './jobs/consult-reminder.job';

export interface BookedConsult {
  tenantId: string;
  id: string;
  caseId: string;
  patientId: string;
  physicianId: string;
  interpreterId: string | null;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
}

const REMIND_BEFORE_MS = 24 * 3600_000;

/**
 * The calendar invitations of a booking: to the patient and the physician (and an interpreter), each an email with an
 * .ics (METHOD:REQUEST, or CANCEL), the booking id as UID and its change count as SEQUENCE, so a calendar moves or
 * removes the one event. The emails carry ids and times only: no name, condition or specialty.
 */
@Injectable()
export class ConsultInvitations {
  constructor(
    private readonly mailer: Mailer,
    private readonly jobs: JobQueue,
  ) {}

  async send(tx: EntityManager, b: BookedConsult, method: 'REQUEST' | 'CANCEL'): Promise<void> {
    for (const to of await this.parties(tx, b)) {
      await this.mailer.send(tx, {
        tenantId: b.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'consult-invitation',
        data: {
          caseId: b.caseId,
          consultId: b.id,
          startsAt: b.startsAt.getTime(),
          endsAt: b.endsAt.getTime(),
          sequence: b.sequence,
          method,
          audience: to.audience,
        },
      });
    }
    if (method === 'REQUEST') {
      // The reminder job checks the booking's sequence when it runs: a moved or cancelled consult sends nothing old.
      const at = new Date(Math.max(Date.now(), b.startsAt.getTime() - REMIND_BEFORE_MS));
      await this.jobs.enqueue(
        tx,
        CONSULT_REMINDER_JOB,
        { tenantId: b.tenantId, bookingId: b.id, sequence: b.sequence },
        { startAfter: at },
      );
    }
  }

  async remind(tx: EntityManager, b: BookedConsult): Promise<void> {
    for (const to of await this.parties(tx, b)) {
      await this.mailer.send(tx, {
        tenantId: b.tenantId,
        to: to.email,
        locale: to.locale,
        template: 'consult-reminder',
        data: { caseId: b.caseId, consultId: b.id, startsAt: b.startsAt.getTime(), audience: to.audience },
      });
    }
  }

  private async parties(tx: EntityManager, b: BookedConsult): Promise<{ email: string; locale?: string; audience: 'patient' | 'staff' }[]> {
    const ids = [b.patientId, b.physicianId, ...(b.interpreterId ? [b.interpreterId] : [])];
    const found = await rows<{ id: string; email: string; locale: string | null }>(
      tx,
      'SELECT id, email, locale FROM accounts WHERE id = ANY($1) AND disabled_at IS NULL ORDER BY email',
      [ids],
    );
    return found.map((a) => ({ email: a.email, locale: a.locale ?? undefined, audience: a.id === b.patientId ? 'patient' : 'staff' }));
  }
}
