import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PermanentJobError, JobError } from '@consilium/jobs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A rendered text, addressed and ready to leave: a keyed sentence and a link, never health information. */
export interface OutgoingText {
  /** outbound_sms.id */
  id: string;
  tenantId: string;
  template: string;
  to: string;
  body: string;
  /** The number, sender id or pool the hospital's texts leave from; the account's default when absent. */
  originationIdentity?: string;
}

export interface TextReceipt {
  transport: 'outbox' | 'pinpoint';
  providerMessageId: string;
}

export interface SmsTransport {
  readonly name: 'outbox' | 'pinpoint';
  send(text: OutgoingText): Promise<TextReceipt>;
}

export const SMS_TRANSPORT = Symbol('SMS_TRANSPORT');

/** The embedded default: one JSON file per text under SMS_OUTBOX_DIR, reaching nobody. Rewriting it is harmless. */
export class OutboxSmsTransport implements SmsTransport {
  readonly name = 'outbox' as const;

  constructor(private readonly dir: string) {}

  async send(text: OutgoingText): Promise<TextReceipt> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${text.id}.json`);
    await writeFile(file, JSON.stringify({ id: text.id, to: text.to, template: text.template, body: text.body }, null, 2) + '\n');
    return { transport: this.name, providerMessageId: text.id };
  }
}

/**
 * AWS End User Messaging SMS (SendTextMessage), tagged with the tenant and the message, so delivery events lead back
 * to both. Throttling and 5xx answers are retried by the job; a refused number or identity fails it at once.
 */
export class PinpointSmsTransport implements SmsTransport {
  readonly name = 'pinpoint' as const;
  private readonly client: PinpointSMSVoiceV2Client;

  constructor(settings: { region: string; endpoint?: string }) {
    this.client = new PinpointSMSVoiceV2Client({ region: settings.region, endpoint: settings.endpoint, maxAttempts: 3 });
  }

  async send(text: OutgoingText): Promise<TextReceipt> {
    try {
      const result = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: text.to,
          OriginationIdentity: text.originationIdentity,
          MessageBody: text.body,
          MessageType: 'TRANSACTIONAL',
          Context: { 'consilium-tenant': text.tenantId, 'consilium-message': text.id, 'consilium-template': text.template },
        }),
      );
      return { transport: this.name, providerMessageId: result.MessageId ?? '' };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
      const status = e.$metadata?.httpStatusCode ?? 0;
      // The message names the error only: the SDK's own text may echo the number.
      if (status >= 500 || status === 429 || e.name === 'ThrottlingException' || !status)
        throw new JobError('sms_unavailable', `SMS provider unavailable (${e.name ?? 'network'}); will retry.`, { cause: error });
      throw new PermanentJobError('sms_rejected', `SMS provider refused the text (${e.name ?? status}).`, { cause: error });
    }
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
