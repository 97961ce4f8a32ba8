import { defineJob } from '@consilium/jobs';

export interface SendEmailPayload {
  tenantId: string;
  /** outbound_emails.id: the payload carries no address and no content. */
  messageId: string;
}

/**
 * Eight retries with backoff from 15 s: about two hours of SES throttling or outage before a message is given up as
 * dead. An attempt normally takes milliseconds; two minutes means its worker died.
 */
export const SEND_EMAIL_JOB = defineJob<SendEmailPayload>({
  name: 'send-email',
  retryLimit: 8,
  retryDelaySeconds: 15,
  retryBackoff: true,
  expireInSeconds: 120,
});
