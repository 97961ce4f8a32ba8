import { defineJob } from '@consilium/jobs';

export interface PromiseDuePayload {
  tenantId: string;
  caseId: string;
}

/**
 * Enqueued for the moment a case's promise falls due (at acceptance, and again when a records pause moves it). The
 * handler judges the case by the Clock, so an early, stale or repeated run does nothing wrong.
 */
export const PROMISE_DUE_JOB = defineJob<PromiseDuePayload>({
  name: 'case-promise-due',
  retryLimit: 5,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
});
