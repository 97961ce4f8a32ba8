import { Body, Controller, Get, Injectable, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  Can,
  field,
  Form,
  FormBody,
  FormPresenter,
  Layout,
  Page,
  parseForm,
  redirect,
  Redirect,
  RefusedForm,
  RequestContext,
  StaffOnly,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { z } from 'zod';
import { CONVERSION_KINDS } from '../conversions.service';
import { REFERRAL_MOVES, REFERRAL_STATES, ReferralState, Referrals } from '../referrals.service';

/** The form of one task's row: where it goes, and when booked, the visit or procedure as the hospital booked it. */
const moveForm = z.object({
  state: field.choice(REFERRAL_STATES),
  kind: field.text({ optional: true, max: 40 }),
  occurred_on: field.text({ optional: true, max: 40 }),
  value: field.text({ optional: true, max: 40 }),
});

/** The console's list of appointment requests, each row with its next moves; a refused row keeps what was typed. */
@Injectable()
export class ReferralsPage implements FormPresenter {
  constructor(
    private readonly referrals: Referrals,
    private readonly context: RequestContext,
  ) {}

  async model(filter: { state?: string }, extra: { typedFor?: string; values?: Record<string, unknown>; errors?: unknown } = {}) {
    const state = (REFERRAL_STATES as readonly string[]).includes(filter.state ?? '') ? (filter.state as ReferralState) : undefined;
    const tasks = await this.referrals.list({ state });
    const tenant = this.context.tenant<ResolvedTenant>();
    return {
      phone: tenant.profile.contact?.phone,
      state: state ?? '',
      states: REFERRAL_STATES,
      kinds: CONVERSION_KINDS,
      tasks: tasks.map((t) => ({
        ...t,
        moves: REFERRAL_MOVES[t.state],
        canBook: REFERRAL_MOVES[t.state].includes('booked'),
        typed: extra.typedFor === t.id ? extra.values : undefined,
      })),
      errors: extra.errors,
      ...(extra.typedFor ? { typedFor: extra.typedFor } : {}),
    };
  }

  refused({ params, values, errors }: RefusedForm) {
    return this.model({}, { typedFor: params.taskId, values, errors });
  }
}

/** Coordinators work the appointment requests patients sent from their opinion: call, book, or close them. */
@Controller('console/referrals')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleReferralsController {
  constructor(
    private readonly referrals: Referrals,
    private readonly page: ReferralsPage,
  ) {}

  @Can('conversions.record')
  @Get()
  @Page('cases/referrals', { title: 'cases.referrals.title' })
  list(@Query('state') state?: string) {
    return this.page.model({ state });
  }

  @Can('conversions.record')
  @Audited({ action: 'referral.move', entityType: 'referral', param: 'taskId' })
  @Post(':taskId')
  @Form('cases/referrals', { presenter: ReferralsPage, title: 'cases.referrals.title' })
  async move(@Param('taskId', ParseUUIDPipe) taskId: string, @Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(moveForm, body);
    const booking = form.state === 'booked' ? { kind: form.kind, occurredOn: form.occurred_on, value: form.value || undefined } : undefined;
    await this.referrals.move(taskId, form.state, booking);
    return redirect(`/console/referrals?moved=${form.state}#task-${taskId}`);
  }
}
