import { Injectable } from '@nestjs/common';
import { isPlatformLocale } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { checkEmailData, EmailData, EmailTemplate, InvalidEmailData } from './email-catalog';
import { SEND_EMAIL_JOB } from './jobs/send-email.job';
import { OutboundEmail } from './outbound-email.entity';

export interface EmailRequest<T extends EmailTemplate> {
  tenantId: string;
  to: string;
  template: T;
  /** The reader's language (a platform language, `fr-CA` too); the hospital's default when absent or not offered. */
  locale?: string;
  data: EmailData<T>;
}

const recipient = z.email();

/**
 * `mailer.send(tx, {...})`: the message is recorded and its send-email job enqueued in the caller's transaction, so
 * it is sent exactly when the change that caused it commits. Rendering and sending happen in the worker.
 */
@Injectable()
export class Mailer {
  constructor(private readonly jobs: JobQueue) {}

  async send<T extends EmailTemplate>(tx: EntityManager, request: EmailRequest<T>): Promise<string> {
    const { data } = checkEmailData(request.template, request.data);
    const to = request.to?.trim();
    if (!recipient.safeParse(to).success) throw new InvalidEmailData(request.template, ['to']);
    if (request.locale !== undefined && !isPlatformLocale(request.locale)) {
      throw new InvalidEmailData(request.template, ['locale']);
    }
    const id = randomUUID();
    await tx.insert(OutboundEmail, {
      tenantId: request.tenantId,
      id,
      template: request.template,
      // Settled by the worker against the hospital's languages.
      locale: request.locale ?? null,
      toAddress: to,
      data,
      status: 'queued',
    });
    await this.jobs.enqueue(tx, SEND_EMAIL_JOB, { tenantId: request.tenantId, messageId: id });
    return id;
  }
}
