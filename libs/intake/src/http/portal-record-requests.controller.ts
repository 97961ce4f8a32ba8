import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormBody, FormPresenter, Page, parseForm, redirect, Redirect, RefusedForm } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RecordRequests } from '../record-requests.service';

/** A calendar date as the browser's date field sends it (`2024-03-31`). */
const isDate = (v: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
const date = () => field.text({ optional: true, max: 40 }).refine(isDate, 'intake.form.date');
const optionalDate = () =>
  field
    .text({ optional: true, max: 40 })
    .refine((v) => v === '' || isDate(v), 'intake.form.date')
    .transform((v) => v || undefined);

const requestForm = z.object({
  provider_name: field.text({ required: 'intake.form.providerName' }),
  provider_contact: field.text({ max: 500, required: 'intake.form.providerContact' }),
  records_described: field.text({ max: 2000, required: 'intake.form.recordsDescribed' }),
  date_from: optionalDate(),
  date_to: optionalDate(),
  patient_legal_name: field.text({ required: 'intake.form.legalName' }),
  patient_birth_date: date(),
  signed_name: field.text({ required: 'intake.form.signedName' }),
  agree: field.checkbox().refine(Boolean, 'intake.form.authorize'),
});

/** The records request form shown again with what was typed: the case it is for comes from the address. */
@Injectable()
export class RecordRequestPage implements FormPresenter {
  refused({ params }: RefusedForm): Record<string, unknown> {
    return { caseId: params.id };
  }
}

/** The patient asks the hospital to collect records from another provider, and signs the authorization. */
@Controller('account/cases/:id/record-requests')
@TenantSite()
export class PortalRecordRequestsController {
  constructor(private readonly requests: RecordRequests) {}

  @Can('portal.access')
  @Audited({ action: 'record_request.read', entityType: 'case', param: 'id' })
  @Get('new')
  @Page('intake/record-request', { title: 'intake.records.title' })
  async form(@Param('id', ParseUUIDPipe) id: string) {
    await this.requests.list(id); // 404 unless the case is the caller's
    return { caseId: id, values: {} };
  }

  @Can('portal.access')
  @Audited({ action: 'record_request.create', entityType: 'case', param: 'id' })
  @Post()
  @Form('intake/record-request', { presenter: RecordRequestPage, title: 'intake.records.title' })
  async create(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const d = parseForm(requestForm, body);
    await this.requests.create(id, {
      providerName: d.provider_name,
      providerContact: d.provider_contact,
      recordsDescribed: d.records_described,
      dateFrom: d.date_from,
      dateTo: d.date_to,
      patientLegalName: d.patient_legal_name,
      patientBirthDate: d.patient_birth_date,
      signedName: d.signed_name,
    });
    return redirect(`/account/cases/${id}?records=requested#record-requests`);
  }

  @Can('portal.access')
  @Audited({ action: 'record_request.download', entityType: 'case', param: 'id' })
  @Get(':requestId/authorization.pdf')
  async pdf(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('requestId', ParseUUIDPipe) requestId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const bytes = await this.requests.authorizationPdf(id, requestId);
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="authorization.pdf"')
      .header('cache-control', 'no-store')
      .send(bytes);
  }
}
