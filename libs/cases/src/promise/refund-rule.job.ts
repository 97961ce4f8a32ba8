import { defineJob } from '@consilium/jobs';

export interface RefundRulePayload {
  tenantId: string;
  caseId: string;
}

/**
 * Enqueued by the pipeline for each moment a late-refund rule can fire (the promise plus the rule's days); handled by
 * billing, which owns the money. The handler judges the case as it is then, so a stale or repeated run refunds nothing.
 */
export const REFUND_RULE_JOB = defineJob<RefundRulePayload>({
  name: 'refund-rule',
  retryLimit: 5,
  retryDelaySeconds: 60,
  retryBackoff: true,
  expireInSeconds: 120,
});
