/** A rendered message, addressed and ready to leave. */
export interface OutgoingEmail {
  /** The outbound_emails id: the transport's idempotency key. */
  id: string;
  tenantId: string;
  tenantSlug: string;
  template: string;
  locale: string;
  from: { name: string; address: string };
  replyTo?: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** SES configuration set: where SES publishes this tenant's deliveries, bounces and complaints. */
  configurationSet?: string;
  date: Date;
  /** A calendar invitation (iTIP): sent as a text/calendar part and an invite.ics attachment. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

export interface DeliveryReceipt {
  transport: 'outbox' | 'ses';
  providerMessageId: string;
  /** The transport recognised the message as one it had already delivered (a retry after a crash). */
  alreadyDelivered?: boolean;
}

export interface EmailTransport {
  readonly name: 'outbox' | 'ses';
  send(email: OutgoingEmail): Promise<DeliveryReceipt>;
}

export const EMAIL_TRANSPORT = Symbol('EMAIL_TRANSPORT');
