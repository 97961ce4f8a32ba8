import { defineJob } from '@consilium/jobs';

export interface AssignmentDeadlinePayload {
  tenantId: string;
  assignmentId: string;
}

/**
 * Enqueued four times per assignment, each to start at one moment (accept reminder, accept deadline, review reminder,
 * review deadline). The handler judges the assignment by the Clock, so an early or repeated run does nothing wrong.
 */
export const ASSIGNMENT_DEADLINE_JOB = defineJob<AssignmentDeadlinePayload>({
  name: 'assignment-deadline',
  retryLimit: 5,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
});
