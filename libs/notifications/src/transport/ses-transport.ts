import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { DeliveryReceipt, EmailTransport, OutgoingEmail } from './email-transport';
import { formatAddress } from './mime-message';
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
    const command = new SendEmailCommand({
      Source: formatAddress(email.from.name, email.from.address, { fold: false }),
      Destination: { ToAddresses: [email.to] },
      ReplyToAddresses: email.replyTo ? [email.replyTo] : undefined,
      Message: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
      },
      ConfigurationSetName: email.configurationSet,
      Tags: [
        { Name: 'consilium-tenant', Value: email.tenantId },
        { Name: 'consilium-message', Value: email.id },
        { Name: 'consilium-template', Value: email.template },
      ],
    });
    try {
      const result = await this.client.send(command);
      return { transport: this.name, providerMessageId: result.MessageId ?? '' };
    } catch (error) {
      throw sesFailure(error, email.from.address, this.settings.region);
    }
  }

  /** Closes the SDK's keep-alive sockets, which would otherwise hold a stopping worker open. */
  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
