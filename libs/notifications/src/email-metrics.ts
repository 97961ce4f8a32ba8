import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@consilium/core';
import { Counter } from 'prom-client';

export type EmailOutcome = 'sent' | 'suppressed' | 'failed';
export type EmailFeedbackKind = 'bounce' | 'transient_bounce' | 'complaint';

/**
 * What became of outgoing email, counted by the process that sent it (the worker; the platform in the embedded
 * default), and what SES reported back, counted by the platform that received the webhook. Labels are outcomes and
 * transports, never an address or a hospital.
 */
@Injectable()
export class EmailMetrics {
  private readonly emails: Counter<'outcome' | 'transport'>;
  private readonly feedback: Counter<'kind'>;

  constructor(metrics: MetricsRegistry) {
    this.emails = metrics.counter({
      name: 'consilium_emails_total',
      help: 'Emails by outcome (sent; suppressed: not sent to an address that bounced or complained; failed: gave up) and transport',
      labelNames: ['outcome', 'transport'],
    });
    this.feedback = metrics.counter({
      name: 'consilium_email_bounces_total',
      help: 'Bounce and complaint notifications from SES (bounce: permanent, the address is suppressed; transient_bounce; complaint)',
      labelNames: ['kind'],
    });
  }

  delivered(outcome: EmailOutcome, transport: string): void {
    this.emails.inc({ outcome, transport });
  }

  reported(kind: EmailFeedbackKind): void {
    this.feedback.inc({ kind });
  }
}
