import { SendEmailCommand, SendRawEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { DeliveryReceipt, EmailTransport, OutgoingEmail } from './email-transport';
import { buildMimeMessage, formatAddress } from './mime-message';
import { sesFailure } from './ses-errors';

export interface SesSettings {
  region: string;
  /** A stand-in's URL (tests); unset for the real regional endpoint. */
  endpoint?: string;
}

/**
 * Amazon SES (SendEmail), sending as each tenant's own verified identity with its configuration set. Every message
 * carries tags naming its tenant and id, so a bounce or complaint published through the configuration set leads
 * back to the tenant that sent it.
 *
 * SES has no idempotency key: a crash after SES accepted a message and before the job committed sends it again on
 * retry. The dedupe ledger narrows that to the few milliseconds between SES's answer and the commit.
 */
export class SesTransport implements EmailTransport {
  readonly name = 'ses' as const;
  private readonly client: SESClient;

  constructor(private readonly settings: SesSettings) {
    // Credentials come from the SDK's default chain (environment, instance or task role). Three quick attempts for
    // throttling and network errors; after that the job's own backoff takes over.
    this.client = new SESClient({ region: settings.region, endpoint: settings.endpoint, maxAttempts: 3 });
  }

  async send(email: OutgoingEmail): Promise<DeliveryReceipt> {
    const tags = [
      { Name: 'consilium-tenant', Value: email.tenantId },
      { Name: 'consilium-message', Value: email.id },
      { Name: 'consilium-template', Value: email.template },
    ];
    try {
      // A calendar invitation needs its own MIME parts, which only SendRawEmail carries.
      const result = email.calendar ? await this.client.send(this.raw(email, tags)) : await this.client.send(this.simple(email, tags));
      return { transport: this.name, providerMessageId: result.MessageId ?? '' };
    } catch (error) {
      throw sesFailure(error, email.from.address, this.settings.region);
    }
  }

  private raw(email: OutgoingEmail, tags: { Name: string; Value: string }[]): SendRawEmailCommand {
    return new SendRawEmailCommand({
      Source: formatAddress(email.from.name, email.from.address, { fold: false }),
      Destinations: [email.to],
      RawMessage: { Data: Buffer.from(buildMimeMessage(email, email.from.address.split('@')[1] ?? 'consilium')) },
      ConfigurationSetName: email.configurationSet,
      Tags: tags,
    });
  }

  private simple(email: OutgoingEmail, tags: { Name: string; Value: string }[]): SendEmailCommand {
    return new SendEmailCommand({
      Source: formatAddress(email.from.name, email.from.address, { fold: false }),
      Destination: { ToAddresses: [email.to] },
      ReplyToAddresses: email.replyTo ? [email.replyTo] : undefined,
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
      },
      ConfigurationSetName: email.configurationSet,
      Tags: tags,
    });
  }

  /** Closes the SDK's keep-alive sockets, which would otherwise hold a stopping worker open. */
  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
