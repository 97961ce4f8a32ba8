import { defineJob } from '@consilium/jobs';

export interface ConsultReminderPayload {
  tenantId: string;
  bookingId: string;
  /** The booking's change count when it was enqueued: a reminder for an older time sends nothing. */
  sequence: number;
}

export const CONSULT_REMINDER_JOB = defineJob<ConsultReminderPayload>({
  name: 'consult-reminder',
  retryLimit: 5,
  retryDelaySeconds: 60,
  retryBackoff: true,
  expireInSeconds: 120,
});
