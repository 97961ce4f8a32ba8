import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { JobContext, JobHandler, JobHandlerInstance } from '@consilium/jobs';
import { ConsultBookings } from '../consult-bookings.service';
import { ConsultInvitations } from '../consult-invitations';
import { CONSULT_REMINDER_JOB, ConsultReminderPayload } from './consult-reminder.job';

export type ReminderOutcome = 'sent' | 'already_sent' | 'stale';

/**
 * The day-before reminder of a booked consult, once per time booked: the booking row is locked, and
 * `reminded_sequence` is set in the transaction that enqueues the emails, so a retried or doubled job sends nothing.
 */
@Injectable()
export class ConsultReminders {
  constructor(
    private readonly db: TenantDatabase,
    private readonly bookings: ConsultBookings,
    private readonly invitations: ConsultInvitations,
  ) {}

  remind(tenantId: string, bookingId: string, sequence: number): Promise<ReminderOutcome> {
    return this.db.forTenant(tenantId, async (tx) => {
      const b = await this.bookings.lock(tx, bookingId);
      if (!b || b.status !== 'booked' || b.sequence !== sequence) return 'stale';
      if (b.remindedSequence === b.sequence) return 'already_sent';
      await this.invitations.remind(tx, b);
      await tx.query('UPDATE consult_bookings SET reminded_sequence = sequence WHERE id = $1', [b.id]);
      return 'sent';
    });
  }
}

@Injectable()
@JobHandler(CONSULT_REMINDER_JOB)
export class ConsultReminderHandler implements JobHandlerInstance<ConsultReminderPayload> {
  constructor(private readonly reminders: ConsultReminders) {}

  async handle(job: JobContext<ConsultReminderPayload>): Promise<Record<string, unknown>> {
    return { outcome: await this.reminders.remind(job.tenantId, job.payload.bookingId, job.payload.sequence) };
  }
}
