import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  FormBody,
  Form,
  FormPresenter,
  msg,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  todayIn,
  Translator,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { PatientDetails } from '../patient-details.service';
import { consentDocument } from '../wizard/consent-documents';
import { proxyConsentKind, subjectForm, subjectOptions, subjectValues } from '../wizard/subject-form';

/** The case's "who the request is for" page: the saved details, or those typed with their problems beside them. */
@Injectable()
export class PortalPatientPage implements FormPresenter {
  constructor(
    private readonly details: PatientDetails,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  async saved(id: string) {
    const { c, subject } = await this.details.of(id);
    return this.model(c.id, c.number, c.jurisdiction, subjectValues(subject));
  }

  async refused({ params, values, errors }: RefusedForm) {
    const { c } = await this.details.of(params.id);
    const typed = Object.fromEntries(Object.keys(subjectValues(null)).map((k) => [k, String(values[k] ?? '')]));
    return this.model(c.id, c.number, c.jurisdiction, { ...typed, for_whom: typed.for_whom || 'self' }, errors);
  }

  /** The proxy consent texts as this reader sees them (what is hashed when they agree). */
  proxyDocuments(jurisdiction: string | null) {
    const reader = { hospital: this.context.tenant<ResolvedTenant>().name, jurisdiction };
    return (['proxy_guardian', 'proxy_authorization'] as const).map((kind) =>
      consentDocument(kind, this.context.locale(), reader, this.translator),
    );
  }

  private model(id: string, number: string, jurisdiction: string | null, who: Record<string, string>, errors: Record<string, string> = {}) {
    return {
      title: msg('intake.subject.title'),
      c: { id, number },
      who,
      subjectOptions,
      proxyDocuments: this.proxyDocuments(jurisdiction).map((d) => ({
        ...d,
        field: d.kind,
        checked: who[d.kind] === 'yes',
        error: errors[d.kind],
      })),
    };
  }
}

/** The requester keeps the patient's details up to date after the request is sent (audited, never logged). */
@Controller('account/cases/:id/patient')
@TenantSite()
export class PortalPatientController {
  constructor(
    private readonly details: PatientDetails,
    private readonly page: PortalPatientPage,
    private readonly context: RequestContext,
  ) {}

  @Can('portal.access')
  @Get()
  @Page('intake/portal-patient', { title: 'intake.subject.title' })
  show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.saved(id);
  }

  @Can('portal.access')
  @Audited({ action: 'case.patient_details', entityType: 'case', param: 'id' })
  @Post()
  @Form('intake/portal-patient', { presenter: PortalPatientPage, title: 'intake.subject.title' })
  async save(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { c } = await this.details.of(id);
    const { subject } = parseForm(subjectForm(todayIn(this.context.tenant<ResolvedTenant>().timeZone)), body);
    const kind = proxyConsentKind(subject.forWhom);
    await this.details.update(id, subject, kind ? this.page.proxyDocuments(c.jurisdiction).find((d) => d.kind === kind) : undefined);
    return redirect(`/account/cases/${id}?patient=saved#patient`);
  }
}
