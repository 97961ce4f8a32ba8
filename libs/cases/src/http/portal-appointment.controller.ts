import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  FormPresenter,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { PREFERRED_TIMES, REFERRAL_REASONS, Referrals } from '../referrals.service';

const appointmentForm = z.object({
  reason: field.choice(REFERRAL_REASONS, 'cases.appointment.chooseReason'),
  times: field.choices(PREFERRED_TIMES, { min: 1, message: 'cases.appointment.chooseTime' }),
});

/** The appointment form's model: who the patient would see, the choices, the hospital's scheduling phone. */
@Injectable()
export class AppointmentPage implements FormPresenter {
  constructor(
    private readonly referrals: Referrals,
    private readonly context: RequestContext,
  ) {}

  async model(caseId: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const target = await this.referrals.target(caseId);
    return {
      caseId,
      who: target.physicianName ?? target.specialtyName,
      open: target.open,
      reasons: REFERRAL_REASONS,
      times: PREFERRED_TIMES,
      phone: this.context.tenant<ResolvedTenant>().profile.contact?.phone,
      values: { times: [] },
      ...extra,
    };
  }

  refused({ params, values }: RefusedForm): Promise<Record<string, unknown>> {
    return this.model(params.id, { values: { ...values, times: ([] as string[]).concat(values.times ?? []) }, asking: true });
  }
}

/** From the delivered opinion, the patient asks for an appointment with the physician or department who reviewed it. */
@Controller('account/cases/:id/appointment')
@TenantSite()
export class PortalAppointmentController {
  constructor(
    private readonly referrals: Referrals,
    private readonly page: AppointmentPage,
  ) {}

  @Can('portal.access')
  @Get()
  @Page('cases/appointment', { title: 'cases.appointment.title' })
  show(@Param('id', ParseUUIDPipe) id: string, @Query('sent') sent?: string) {
    return this.page.model(id, { sent: sent === '1' });
  }

  @Can('portal.access')
  @Audited({ action: 'referral.request', entityType: 'case', param: 'id' })
  @Post()
  @Form('cases/appointment', { presenter: AppointmentPage, title: 'cases.appointment.title' })
  async request(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(appointmentForm, body);
    await this.referrals.request(id, { reason: form.reason, times: form.times });
    return redirect(`/account/cases/${id}/appointment?sent=1`);
  }
}
