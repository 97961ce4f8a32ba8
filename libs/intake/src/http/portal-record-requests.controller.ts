import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, fieldTexts, InvalidInput, readForm, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RecordRequests } from '../record-requests.service';

const date = z.iso.date('Enter a date like 2024-03-31.');
const requestForm = z.object({
  provider_name: z.string().trim().min(1, 'Enter the name of the clinic or hospital that has your records.').max(200),
  provider_contact: z.string().trim().min(1, 'Enter an address, phone or fax where we can reach them.').max(500),
  records_described: z
    .string()
    .trim()
    .min(1, 'Describe the records, for example “CT scans of the chest from 2024 and the radiology reports”.')
    .max(2000),
  date_from: date.optional().or(z.literal('')),
  date_to: date.optional().or(z.literal('')),
  patient_legal_name: z.string().trim().min(1, 'Enter your full legal name.').max(200),
  patient_birth_date: date,
  signed_name: z.string().trim().min(1, 'Type your full legal name to sign.').max(200),
  agree: z.literal('yes', { error: 'Confirm that you authorize the release.' }),
});

/** The patient asks the hospital to collect records from another provider, and signs the authorization. */
@Controller('account/cases/:id/record-requests')
@TenantSite()
export class PortalRecordRequestsController {
  constructor(
    private readonly requests: RecordRequests,
    private readonly views: ViewRenderer,
  ) {}

  @Can('portal.access')
  @Audited({ action: 'record_request.read', entityType: 'case', param: 'id' })
  @Get('new')
  @Header('content-type', 'text/html; charset=utf-8')
  async form(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    await this.requests.list(id); // 404 unless the case is the caller's
    return this.views.render('intake/record-request', { title: 'Ask us to collect your records', caseId: id, values: {} });
  }

  @Can('portal.access')
  @Audited({ action: 'record_request.create', entityType: 'case', param: 'id' })
  @Post()
  @HttpCode(200)
  async create(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const form = readForm(requestForm, body);
    let errors = form.ok ? {} : form.errors;
    if (form.ok) {
      try {
        const d = form.data;
        await this.requests.create(id, {
          providerName: d.provider_name,
          providerContact: d.provider_contact,
          recordsDescribed: d.records_described,
          dateFrom: d.date_from || undefined,
          dateTo: d.date_to || undefined,
          patientLegalName: d.patient_legal_name,
          patientBirthDate: d.patient_birth_date,
          signedName: d.signed_name,
        });
        return void reply.redirect(`/account/cases/${id}?records=requested#record-requests`, 303);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        errors = fieldTexts(error);
      }
    }
    reply.status(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return this.views.render('intake/record-request', {
      title: 'Ask us to collect your records',
      caseId: id,
      values: form.ok ? body : form.values,
      errors,
    });
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
