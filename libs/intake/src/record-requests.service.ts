import { Injectable } from '@nestjs/common';
import { CaseAccess, CasePipeline } from '@consilium/cases';
import {
  first,
  intlLocale,
  InvalidInput,
  MessageValues,
  msg,
  NotFound,
  one,
  RequestContext,
  rows,
  TenantDatabase,
  Translator,
} from '@consilium/core';
import { BrandedPdf } from '@consilium/documents';
import { ResolvedTenant, TenantAsset } from '@consilium/tenancy';

export interface RecordRequestInput {
  providerName: string;
  providerContact: string;
  recordsDescribed: string;
  dateFrom?: string;
  dateTo?: string;
  patientLegalName: string;
  patientBirthDate: string;
  signedName: string;
}

export interface RecordRequestRow {
  id: string;
  case_id: string;
  provider_name: string;
  provider_contact: string;
  records_described: string;
  date_from: string | Date | null;
  date_to: string | Date | null;
  patient_legal_name: string;
  patient_birth_date: string | Date;
  signed_name: string;
  signed_at: Date;
  expires_on: string | Date;
  status: string;
}

export const RECORD_REQUEST_STATUSES = ['open', 'sent', 'received', 'closed'] as const;
export type RecordRequestStatus = (typeof RECORD_REQUEST_STATUSES)[number];

/** A records request as an integration reads it: the authorization's terms and the task's status. */
export interface RecordRequestFacts {
  id: string;
  caseId: string;
  status: RecordRequestStatus;
  statusChangedAt: Date;
  providerName: string;
  providerContact: string;
  recordsDescribed: string;
  dateFrom: string | null;
  dateTo: string | null;
  patientLegalName: string;
  patientBirthDate: string;
  signedName: string;
  signedAt: Date;
  expiresOn: string;
  /** Keyset position: `signed_at` as PostgreSQL prints it, and the id. */
  position: { at: string; id: string };
}

const SELECT_FACTS = `SELECT id, case_id AS "caseId", status, status_changed_at AS "statusChangedAt", provider_name AS "providerName",
       provider_contact AS "providerContact", records_described AS "recordsDescribed", date_from::text AS "dateFrom",
       date_to::text AS "dateTo", patient_legal_name AS "patientLegalName", patient_birth_date::text AS "patientBirthDate",
       signed_name AS "signedName", signed_at AS "signedAt", expires_on::text AS "expiresOn",
       json_build_object('at', signed_at::text, 'id', id) AS position
  FROM record_requests`;

/** An authorization lasts a year from signature, or until the patient revokes it in writing. */
const VALID_DAYS = 365;

/**
 * Records the patient asks the hospital to collect from another provider: the signed authorization (HIPAA's
 * required elements: what, from whom, to whom, why, until when, the right to revoke) as a PDF, and an open task for
 * coordinators.
 */
@Injectable()
export class RecordRequests {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  async create(caseId: string, input: RecordRequestInput): Promise<string> {
    if (input.signedName.trim().toLowerCase() !== input.patientLegalName.trim().toLowerCase()) {
      throw new InvalidInput({ signed_name: msg('intake.form.signatureMismatch') });
    }
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const actor = this.context.actor()!;
      if (actor.kind !== 'patient') throw new NotFound();
      const row = await one<{ id: string }>(
        tx,
        `INSERT INTO record_requests (tenant_id, case_id, provider_name, provider_contact, records_described, date_from, date_to,
           patient_legal_name, patient_birth_date, signed_name, signed_ip, expires_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (now() + make_interval(days => $12))::date, $13) RETURNING id`,
        [
          c.tenantId,
          c.id,
          input.providerName.trim(),
          input.providerContact.trim(),
          input.recordsDescribed.trim(),
          input.dateFrom || null,
          input.dateTo || null,
          input.patientLegalName.trim(),
          input.patientBirthDate,
          input.signedName.trim(),
          this.context.ip() ?? null,
          VALID_DAYS,
          actor.id,
        ],
      );
      await this.pipeline.record(tx, c, { type: 'record_request', data: { recordRequestId: row.id } });
      return row.id;
    });
  }

  list(caseId: string): Promise<RecordRequestRow[]> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      return tx.query(
        `SELECT id, provider_name, status, signed_at, expires_on FROM record_requests WHERE case_id = $1 ORDER BY signed_at DESC`,
        [c.id],
      );
    });
  }

  /**
   * The hospital's records requests, oldest signature first, a page at a time (keyset on signed_at, id): what a
   * health-information system works through. Only requests on cases the actor may see (every case, for staff and
   * integrations of the hospital).
   */
  feed(filter: { statuses?: RecordRequestStatus[]; after?: { at: string; id: string }; limit: number }): Promise<{
    requests: RecordRequestFacts[];
    more: boolean;
  }> {
    const actor = this.context.actor();
    const wholeHospital =
      actor?.kind === 'api_key' || (actor?.kind === 'staff' && (actor.roles.includes('admin') || actor.roles.includes('coordinator')));
    if (!wholeHospital) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [];
      const bind = (value: unknown) => `$${params.push(value)}`;
      const where = ['true'];
      if (filter.statuses?.length) where.push(`status = ANY(${bind(filter.statuses)}::text[])`);
      if (filter.after) where.push(`(signed_at, id) > (${bind(filter.after.at)}::timestamptz, ${bind(filter.after.id)}::uuid)`);
      const found = await rows<RecordRequestFacts>(
        tx,
        `${SELECT_FACTS} WHERE ${where.join(' AND ')} ORDER BY signed_at, id LIMIT ${bind(filter.limit + 1)}`,
        params,
      );
      return { requests: found.slice(0, filter.limit), more: found.length > filter.limit };
    });
  }

  /** One request, if its case is one the actor may see; the same 404 otherwise. */
  one(requestId: string): Promise<RecordRequestFacts> {
    if (!/^[0-9a-f-]{36}$/i.test(requestId)) throw new NotFound();
    return this.db.transaction(async (tx) => {
      const found = await first<RecordRequestFacts>(tx, `${SELECT_FACTS} WHERE id = $1`, [requestId]);
      if (!found) throw new NotFound();
      await this.access.caseFor(tx, found.caseId);
      return found;
    });
  }

  /**
   * The signed authorization form, branded, for the patient to keep and the hospital to send, in the language the
   * patient reads the site in (every word by key; the provider, the records and the names are the patient's own).
   */
  authorizationPdf(caseId: string, requestId: string): Promise<Buffer> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const [r]: RecordRequestRow[] = await tx.query('SELECT * FROM record_requests WHERE id = $1 AND case_id = $2', [requestId, c.id]);
      if (!r) throw new NotFound();
      const tenant = this.context.tenant<ResolvedTenant>();
      const locale = this.context.locale();
      const t = (key: string, values?: MessageValues) => this.translator.t(`intake.authorization.${key}`, locale, values);
      const logo = await tx.findOne(TenantAsset, { where: { name: tenant.branding.logo } });
      const pdf = new BrandedPdf(
        {
          hospitalName: tenant.name,
          address: tenant.profile.contact?.address,
          phone: tenant.profile.contact?.phone,
          email: tenant.profile.contact?.email,
          primaryColor: tenant.branding.colors.primary,
          accentColor: tenant.branding.colors.accent,
          logo: logo ? { contentType: logo.contentType, bytes: logo.bytes } : undefined,
          footer: t('footer', { number: c.number }),
        },
        { title: t('title'), date: r.signed_at, locale, timeZone: tenant.timeZone },
      );
      // Dates of the form are calendar days (pg reads a `date` as local midnight): shown at noon UTC of that day, so
      // no time zone moves them to another one.
      const day = (value: string | Date) => {
        const noon =
          value instanceof Date
            ? new Date(Date.UTC(value.getFullYear(), value.getMonth(), value.getDate(), 12))
            : new Date(`${value.slice(0, 10)}T12:00:00Z`);
        return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(noon);
      };
      const dates =
        r.date_from || r.date_to
          ? t('datesRange', { from: r.date_from ? day(r.date_from) : t('earliest'), to: r.date_to ? day(r.date_to) : t('latest') })
          : t('allDates');
      pdf
        .field(t('patient'), r.patient_legal_name)
        .field(t('birthDate'), day(r.patient_birth_date))
        .heading(t('who'))
        .paragraph(`${r.provider_name}\n${r.provider_contact}`)
        .heading(t('recipient'))
        .paragraph(`${tenant.name}${tenant.profile.contact?.address ? `, ${tenant.profile.contact.address}` : ''}`)
        .heading(t('information'))
        .paragraph(r.records_described)
        .field(t('dates'), dates)
        .heading(t('purposeHeading'))
        .paragraph(t('purpose', { number: c.number }))
        .heading(t('expirationHeading'))
        .paragraph(t('expiration', { day: day(r.expires_on) }))
        .heading(t('rightsHeading'))
        .bullets([t('revoke', { hospital: tenant.name }), t('noCondition'), t('redisclosure')])
        .signature({
          name: r.signed_name,
          detail: [t('signedByPatient')],
          signedAt: r.signed_at,
          signedText: t('signed', { when: pdf.formatDate(r.signed_at, true) }),
        });
      return pdf.toBuffer();
    });
  }
}
