import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { AppConfig, Clock, TenantDatabase } from '@consilium/core';
import { SnsMessageMalformed, SnsMessageRejected } from '../notifications-errors';
import { SnsMessage } from '../bounces/sns-message';
import { SnsVerifier } from '../bounces/sns-verifier';
import { normalisePhone, SmsConsents } from './sms-consents';

/** The opt-out keywords carriers and AWS End User Messaging honour, with the ones our languages add. */
const STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT-OUT',
  'REVOKE',
  'ARRET',
  'ARRÊT',
  'BAJA',
  'PARAR',
]);

/** Is this text an opt-out? Its first word, in any case, with trailing punctuation ignored. */
export function isStopText(body: string): boolean {
  const word =
    body
      .trim()
      .split(/\s+/)[0]
      ?.replace(/[.!]+$/, '')
      .toUpperCase() ?? '';
  return STOP_WORDS.has(word);
}

/** AWS End User Messaging's two-way SMS notification, as published to SNS (the fields we read). */
interface InboundText {
  originationNumber: string;
  destinationNumber?: string;
  messageBody: string;
}

export type InboundOutcome = 'stopped' | 'ignored' | 'confirmed' | 'unsubscribed';

/**
 * What the hospital's /webhooks/sms does with an SNS delivery: nothing unless the topic is in SMS_SNS_TOPIC_ARNS and
 * the signature is SNS's. A STOP to the hospital's number ends every standing consent for the sender's number at this hospital, each ending
 * audited (`sms.stopped`); any other text is ignored (the portal is where patients write to their care team).
 */
@Injectable()
export class SmsInbound {
  private readonly logger = new Logger('SmsInbound');

  constructor(
    private readonly verifier: SnsVerifier,
    private readonly consents: SmsConsents,
    private readonly db: TenantDatabase,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async receive(tenantId: string, hospitalNumber: string, message: SnsMessage): Promise<InboundOutcome> {
    if (!this.config.sms.snsTopicArns.includes(message.TopicArn)) throw new SnsMessageRejected('topic');
    await this.verifier.verify(message);
    if (message.Type === 'SubscriptionConfirmation') {
      // Left to an operator, as the log says: confirming needs no code path that fetches arbitrary URLs.
      this.logger.warn({ topic: message.TopicArn }, 'SNS subscription to /webhooks/sms: confirm it in the SNS console');
      return 'confirmed';
    }
    if (message.Type === 'UnsubscribeConfirmation') return 'unsubscribed';
    let text: InboundText;
    try {
      text = JSON.parse(message.Message) as InboundText;
    } catch {
      throw new SnsMessageMalformed('not_sms');
    }
    if (typeof text?.originationNumber !== 'string' || typeof text.messageBody !== 'string') throw new SnsMessageMalformed('not_sms');
    // Signed by SNS: a text to another number is not this hospital's to act on.
    if (text.destinationNumber !== hospitalNumber) return 'ignored';
    const phone = normalisePhone(text.originationNumber);
    if (!phone || !isStopText(text.messageBody)) return 'ignored';
    const stopped = await this.db.forTenant(tenantId, (tx) => this.consents.stop(tx, phone, this.clock.now()));
    for (const accountId of stopped)
      await this.audit.record(
        { action: 'sms.stopped', outcome: 'allowed', entityType: 'account', entityId: accountId, subjectId: accountId },
        tenantId,
      );
    return 'stopped';
  }
}
