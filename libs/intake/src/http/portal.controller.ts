import { Body, Controller, Get, Header, HttpCode, Optional, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import {
  BEFORE_ACCEPTANCE,
  CaseAccess,
  CaseMessages,
  CasePayments,
  CasePipeline,
  CaseRecords,
  CaseRecordsPage,
  CaseTimeline,
  RecordRow,
  CheckIns,
  FollowUps,
  uploadResultNotice,
  uploadResultQuery,
} from '@consilium/cases';
import { Can, InvalidInput, RateLimit, RequestContext, TenantDatabase, Translator, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INTAKE_CHOICE_COOKIE } from './intake.controller';
import { RecordRequests } from '../record-requests.service';

/** The patient portal: their requests, each with its timeline, due date and messages; cancel before acceptance. */
@Controller('account')
@TenantSite()
export class PortalController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly timeline: CaseTimeline,
    private readonly messages: CaseMessages,
    private readonly pipeline: CasePipeline,
    private readonly access: CaseAccess,
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly recordRequests: RecordRequests,
    private readonly followUps: FollowUps,
    private readonly checkIns: CheckIns,
    private readonly records: CaseRecords,
    private readonly translator: Translator,
    @Optional() private readonly payments?: CasePayments,
  ) {}

  @Can('portal.access')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async home(@Req() req: FastifyRequest): Promise<string> {
    const actor = this.context.actor()!;
    const cases =
      actor.kind === 'local_physician' && actor.scopeCaseId
        ? [(await this.timeline.forPatient(actor.scopeCaseId)).case]
        : await this.timeline.listForPatient(actor.id);
    // A choice made on /start before signing in (the intake wizard's cookie) is offered back here.
    const pendingChoice = actor.kind === 'patient' && !!req.cookies?.[INTAKE_CHOICE_COOKIE];
    return this.views.render('intake/portal-home', { title: 'Your requests', cases: cases.map(summary), pendingChoice });
  }

  @Can('portal.access')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get('cases/:id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async case(@Param('id', ParseUUIDPipe) id: string, @Query() query: Record<string, unknown>): Promise<string> {
    const notice = uploadResultNotice(query);
    return this.page(
      id,
      notice
        ? {
            uploadNotice: {
              ...notice,
              ok: !notice.rejected && !notice.stoppedBy && notice.kept > 0,
              nothing: !notice.kept && !notice.rejected && !notice.stoppedBy,
            },
          }
        : {},
    );
  }

  /**
   * The records form (multipart, several files, no JavaScript needed): files stream into the case, then the browser
   * goes back to the case with counts in the query (never names) and each file's status or reason on the page.
   */
  @Can('records.upload')
  @Audited({ action: 'records.upload', entityType: 'case', param: 'id' })
  @Post('cases/:id/records/upload')
  @HttpCode(200)
  async upload(@Param('id', ParseUUIDPipe) id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const summary = await this.records.upload(id, request);
    // A refusal mid-body (file over the limit) leaves the rest unread: close rather than read it all.
    if (summary.stoppedBy) reply.header('connection', 'close');
    void reply.redirect(`/account/cases/${id}?${uploadResultQuery(summary)}#records`, 303);
  }

  @Can('portal.access')
  @Audited({ action: 'case.message', entityType: 'case', param: 'id' })
  @RateLimit('messages')
  @Post('cases/:id/messages')
  @HttpCode(200)
  async message(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.messages.send(id, body.body ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.page(id, { errors: error.fields, values: { body: body.body ?? '' } });
    }
    void reply.redirect(`/account/cases/${id}#messages`, 303);
  }

  @Can('portal.access')
  @Audited({ action: 'case.follow_up', entityType: 'case', param: 'id' })
  @Post('cases/:id/follow-ups')
  @HttpCode(200)
  async followUp(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.followUps.ask(id, body.question ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.page(id, { followUpErrors: error.fields, values: { question: body.question ?? '' } });
    }
    void reply.redirect(`/account/cases/${id}#follow-ups`, 303);
  }

  @Can('portal.access')
  @Audited({ action: 'case.check_in', entityType: 'case', param: 'id' })
  @Post('cases/:id/check-ins/:day')
  @HttpCode(200)
  async checkIn(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('day') day: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.checkIns.answer(id, Number(day), body.acted_on_advice ?? '', Number(body.satisfaction));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.page(id, { checkInErrors: error.fields, values: body });
    }
    void reply.redirect(`/account/cases/${id}?thanks=1#check-ins`, 303);
  }

  @Can('portal.access')
  @Audited({ action: 'case.cancel', entityType: 'case', param: 'id' })
  @Post('cases/:id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, id);
      if (this.context.actor()!.kind !== 'patient') throw new InvalidInput({ cancel: 'Only the patient can cancel their request.' });
      await this.pipeline.move(tx, c.id, 'cancel', 'patient');
      // Cancelling before acceptance releases the card authorization: nothing is charged.
      await this.payments?.release(tx, c.id, 'cancelled');
    });
    void reply.redirect(`/account/cases/${id}?cancelled=1`, 303);
  }

  /** The engine words reasons in English (with the exact limits); other languages get the portal's wording. */
  private inPatientsLanguage(records: CaseRecordsPage | null): CaseRecordsPage | null {
    const locale = this.context.locale();
    if (!records || locale === 'en') return records;
    const reword = (row: RecordRow): RecordRow => {
      const key = `intake.files.reasons.${row.rejectionCode}`;
      const rejection = row.rejectionCode && this.translator.has(key) ? this.translator.t(key, locale) : row.rejection;
      return { ...row, rejection, children: row.children.map(reword) };
    };
    return { ...records, files: records.files.map(reword) };
  }

  private async page(id: string, extra: Record<string, unknown> = {}): Promise<string> {
    const { case: c, entries } = await this.timeline.forPatient(id);
    const messages = await this.messages.list(id);
    const recordRequests = await this.recordRequests.list(id);
    const followUps = await this.followUps.list(id);
    const checkIns = (await this.checkIns.list(id)).filter((ci) => ci.open);
    const records = this.inPatientsLanguage(await this.records.page(id));
    return this.views.render('intake/portal-case', {
      title: `Request ${c.number}`,
      c: summary(c),
      entries,
      messages,
      recordRequests,
      records,
      isPatient: this.context.actor()!.kind === 'patient',
      followUps,
      checkIns: this.context.actor()!.kind === 'patient' ? checkIns : [],
      followUpsLeft: c.followUpsIncluded - c.followUpsUsed,
      canAskFollowUp: c.state === 'delivered' && c.followUpsIncluded > c.followUpsUsed && this.context.actor()!.kind === 'patient',
      canCancel: BEFORE_ACCEPTANCE.includes(c.state) && this.context.actor()!.kind === 'patient',
      values: {},
      ...extra,
    });
  }
}

/** What the portal shows of a case: no clinical content on the list, just where it stands. */
function summary(c: {
  id: string;
  number: string;
  state: string;
  createdAt: Date;
  dueAt: Date | null;
  submittedAt: Date | null;
  deliveredAt: Date | null;
}) {
  return {
    id: c.id,
    number: c.number,
    state: c.state,
    stateKey: `intake.state.${c.state}`,
    createdAt: c.createdAt,
    dueAt: c.dueAt,
    submittedAt: c.submittedAt,
    deliveredAt: c.deliveredAt,
    isDraft: c.state === 'draft',
  };
}
