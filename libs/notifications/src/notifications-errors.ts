import { declareErrors } from '@consilium/core';

/**
 * Notifications' refusals: words at `notifications.errors.<code>.message|hint`. Their callers are machines (Amazon
 * SNS), so each says precisely what was wrong, by a reason code, never by echoing the message.
 */
export const NotificationsError = declareErrors('notifications', {
  sns_message_malformed: 400,
  sns_message_rejected: 403,
  sms_webhook_without_hospital: 404,
  sns_certificate_unavailable: 503,
});

/** Why a body is not an SNS message we can read (`field`: which required key is missing). */
export type SnsMalformation = 'not_json' | 'not_object' | 'missing_field' | 'unknown_type' | 'subscription_fields' | 'not_ses' | 'not_sms';

/** Why a well-formed SNS message was refused. */
export type SnsRejection = 'topic' | 'certificate_host' | 'certificate_region' | 'certificate_expired' | 'signature' | 'version';

export class SnsMessageMalformed extends NotificationsError {
  constructor(problem: SnsMalformation, field?: string) {
    super('sns_message_malformed', { values: { problem, field } });
  }
}

export class SnsMessageRejected extends NotificationsError {
  constructor(reason: SnsRejection) {
    super('sns_message_rejected', { values: { reason } });
  }
}

/** /webhooks/sms is subscribed per hospital, on the hospital's own host: elsewhere there is nothing to stop. */
export class SmsWebhookWithoutHospital extends NotificationsError {
  constructor() {
    super('sms_webhook_without_hospital');
  }
}
