import { defineJob } from '@consilium/jobs';

export interface SendSmsPayload {
  tenantId: string;
  /** outbound_sms.id: the payload carries no number and no words. */
  messageId: string;
}

/** Like send-email: retried with backoff for about two hours of provider throttling or outage. */
export const SEND_SMS_JOB = defineJob<SendSmsPayload>({
  name: 'send-sms',
  retryLimit: 8,
  retryDelaySeconds: 15,
  retryBackoff: true,
  expireInSeconds: 120,
});
