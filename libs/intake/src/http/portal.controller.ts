import { Body, Controller, Get, Optional, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  CaseAccess,
  CaseMessages,
  CasePayments,
  CasePipeline,
  CaseRecords,
  CaseTimeline,
  CheckIns,
  FollowUps,
  uploadResultQuery,
} from '@consilium/cases';
import {
  Can,
  field,
  Form,
  FormBody,
  InvalidInput,
  msg,
  Page,
  RateLimit,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  TenantDatabase,
} from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { INTAKE_CHOICE_COOKIE } from './choice-cookie';
import { PortalCasePage, requestSummary } from './portal-case.page';

/** Free text as typed, its rules the service's (which says what is missing or too long, beside the field). */
const textForm = (name: string) => z.object({ [name]: field.text({ optional: true, max: 100_000 }) });
const cancelForm = z.object({ confirmed: field.checkbox() });
const checkInForm = z.object({ acted_on_advice: field.text({ optional: true }), satisfaction: field.text({ optional: true }) });

/** The patient portal: their requests, each with its timeline, due date and messages; cancel before acceptance. */
@Controller('account')
@TenantSite()
export class PortalController {
  constructor(
    private readonly timeline: CaseTimeline,
    private readonly messages: CaseMessages,
    private readonly pipeline: CasePipeline,
    private readonly access: CaseAccess,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly followUps: FollowUps,
    private readonly checkIns: CheckIns,
    private readonly records: CaseRecords,
    private readonly page: PortalCasePage,
    @Optional() private readonly payments?: CasePayments,
  ) {}

  @Can('portal.access')
  @Get()
  @Page('intake/portal-home', { title: 'intake.portal.title' })
  async home(@Req() req: FastifyRequest) {
    const actor = this.context.actor()!;
    const cases =
      actor.kind === 'local_physician' && actor.scopeCaseId
        ? [(await this.timeline.forPatient(actor.scopeCaseId)).case]
        : await this.timeline.listForPatient(actor.id);
    // A choice made on /start before signing in (the intake wizard's cookie) is offered back here.
    const pendingChoice = actor.kind === 'patient' && !!req.cookies?.[INTAKE_CHOICE_COOKIE];
    return { cases: cases.map((c) => requestSummary(c)), pendingChoice };
  }

  @Can('portal.access')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get('cases/:id')
  @Page('intake/portal-case')
  case(@Param('id', ParseUUIDPipe) id: string, @Query() query: Record<string, unknown>) {
    return this.page.show(id, query);
  }

  /**
   * The records form (multipart, several files, no JavaScript needed): files stream into the case, then the browser
   * goes back to the case with counts in the query (never names) and each file's status or reason on the page.
   */
  @Can('records.upload')
  @Audited({ action: 'records.upload', entityType: 'case', param: 'id' })
  @Post('cases/:id/records/upload')
  async upload(
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    const summary = await this.records.upload(id, request);
    // A refusal mid-body (file over the limit) leaves the rest unread: close rather than read it all.
    if (summary.stoppedBy) reply.header('connection', 'close');
    return redirect(`/account/cases/${id}?${uploadResultQuery(summary)}#records`);
  }

  @Can('portal.access')
  @Audited({ action: 'case.message', entityType: 'case', param: 'id' })
  @RateLimit('messages')
  @Post('cases/:id/messages')
  @Form('intake/portal-case', { presenter: PortalCasePage })
  async message(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.messages.send(id, parseForm(textForm('body'), body).body);
    return redirect(`/account/cases/${id}#messages`);
  }

  @Can('portal.access')
  @Audited({ action: 'case.follow_up', entityType: 'case', param: 'id' })
  @Post('cases/:id/follow-ups')
  @Form('intake/portal-case', { presenter: PortalCasePage })
  async followUp(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.followUps.ask(id, parseForm(textForm('question'), body).question);
    return redirect(`/account/cases/${id}#follow-ups`);
  }

  @Can('portal.access')
  @Audited({ action: 'case.check_in', entityType: 'case', param: 'id' })
  @Post('cases/:id/check-ins/:day')
  @Form('intake/portal-case', { presenter: PortalCasePage })
  async checkIn(@Param('id', ParseUUIDPipe) id: string, @Param('day') day: string, @Body() body: FormBody): Promise<Redirect> {
    const answer = parseForm(checkInForm, body);
    await this.checkIns.answer(id, Number(day), answer.acted_on_advice, Number(answer.satisfaction));
    return redirect(`/account/cases/${id}?thanks=1#check-ins`);
  }

  /** Cancelling asks first, and says what the patient gets back: one tap never cancels a paid request. */
  @Can('portal.access')
  @Get('cases/:id/cancel')
  @Page('intake/portal-cancel', { title: 'intake.portal.cancelTitle' })
  cancellation(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.cancellation(id);
  }

  @Can('portal.access')
  @Audited({ action: 'case.cancel', entityType: 'case', param: 'id' })
  @Post('cases/:id/cancel')
  async cancel(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    // Only the confirmation page's button says yes; anything else (an old page's one-tap form) is shown the question.
    const confirmed = parseForm(cancelForm, body).confirmed;
    const cancelled = await this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, id);
      if (this.context.actor()!.kind !== 'patient') throw new InvalidInput({ cancel: msg('intake.form.onlyPatientCancels') });
      if (!confirmed) return false;
      await this.pipeline.move(tx, c.id, 'cancel', 'patient');
      // Cancelling before acceptance releases the card authorization: nothing is charged.
      await this.payments?.release(tx, c.id, 'cancelled');
      return true;
    });
    if (!cancelled) return redirect(`/account/cases/${id}/cancel`);
    return redirect(`/account/cases/${id}?cancelled=1`);
  }
}
