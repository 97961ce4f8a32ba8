import { Injectable } from '@nestjs/common';
import { isPlatformLocale } from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { TenantResolver } from '@consilium/tenancy';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { checkEmailData, EmailData, EmailTemplate } from '../email-catalog';
import { SEND_SMS_JOB } from './send-sms.job';
import { SmsConsents } from './sms-consents';

export interface TextRequest<T extends EmailTemplate> {
  tenantId: string;
  accountId: string;
  template: T;
  locale?: string;
  /** The email catalogue's typed fields: a text says the same thing, shorter, with the same link. */
  data: EmailData<T>;
}

/**
 * `texts.sendIfOptedIn(tx, {...})`: a text beside an email, only when the hospital turned SMS on and the patient's
 * consent stands. Recorded and enqueued in the caller's transaction, like mail, so it leaves once, when the change
 * that caused it commits; whoever calls it once per milestone sends once.
 */
@Injectable()
export class TextMessages {
  constructor(
    private readonly jobs: JobQueue,
    private readonly consents: SmsConsents,
    private readonly tenants: TenantResolver,
  ) {}

  async sendIfOptedIn<T extends EmailTemplate>(tx: EntityManager, request: TextRequest<T>): Promise<string | null> {
    const tenant = await this.tenants.byId(request.tenantId);
    if (!tenant?.settings.sms?.enabled) return null;
    const to = await this.consents.activeNumber(tx, request.accountId);
    if (!to) return null;
    const { data } = checkEmailData(request.template, request.data);
    const id = randomUUID();
    await tx.query(
      `INSERT INTO outbound_sms (tenant_id, id, account_id, template, locale, to_number, data, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued')`,
      [
        request.tenantId,
        id,
        request.accountId,
        request.template,
        request.locale && isPlatformLocale(request.locale) ? request.locale : null,
        to,
        data,
      ],
    );
    await this.jobs.enqueue(tx, SEND_SMS_JOB, { tenantId: request.tenantId, messageId: id });
    return id;
  }
}
