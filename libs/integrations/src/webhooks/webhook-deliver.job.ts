import { defineJob, TenantJobPayload } from '@consilium/jobs';

export interface WebhookDeliverPayload extends TenantJobPayload {
  deliveryId: string;
}

/**
 * One attempt to deliver one webhook. Retries after a refused or failed attempt are new jobs, scheduled by
 * WEBHOOKS_RETRY_SCHEDULE_SECONDS (the delivery row counts them); pg-boss's own retry covers a worker that died
 * mid-attempt, and the receiver dedupes by `webhook-id` as Standard Webhooks asks.
 */
export const WEBHOOK_DELIVER_JOB = defineJob<WebhookDeliverPayload>({
  name: 'webhook-deliver',
  retryLimit: 2,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
});
