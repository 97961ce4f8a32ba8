import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, InvalidInput, RateLimit, RequestContext, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CaseAssignments } from '../assignment/case-assignments.service';
import { CaseContributors } from '../assignment/case-contributors.service';
import { CaseMessages } from '../case-messages.service';
import { CaseRecords, uploadResultNotice, uploadResultQuery } from '../case-records.service';
import { Conversions } from '../conversions.service';
import { CaseQueue, OPEN_STATES } from '../case-queue.service';
import { CaseReview } from '../case-review.service';
import { CASE_STATES } from '../case-state';
import { ASKED_UPLOAD_STATES } from '../case-record-access';

const queueFilter = z.object({
  state: z.enum(CASE_STATES).optional().or(z.literal('')),
  jurisdiction: z
    .string()
    .regex(/^(US-[A-Z]{2}|[A-Z]{2})$/, 'must be like US-IL or MX')
    .optional()
    .or(z.literal('')),
  risk: z.enum(['overdue', 'due_soon']).optional().or(z.literal('')),
});

/** The coordinator's console: the queue, and each case with its triage decisions. */
@Controller('console/cases')
@TenantSite()
export class ConsoleCasesController {
  constructor(
    private readonly queue: CaseQueue,
    private readonly review: CaseReview,
    private readonly messages: CaseMessages,
    private readonly conversions: Conversions,
    private readonly assignments: CaseAssignments,
    private readonly contributors: CaseContributors,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly records: CaseRecords,
  ) {}

  @Can('cases.read')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async list(@Query() query: unknown): Promise<string> {
    const parsed = queueFilter.safeParse(query ?? {});
    if (!parsed.success)
      throw new InvalidInput(
        Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])),
        'The filter needs correcting.',
      );
    const f = parsed.data;
    const rows = await this.queue.list(
      { state: f.state || undefined, jurisdiction: f.jurisdiction || undefined, risk: f.risk || undefined },
      this.context.actor()!,
    );
    return this.views.render(
      'cases/queue',
      { title: 'Cases', rows, values: f, states: OPEN_STATES.concat(['draft', 'delivered', 'closed', 'declined', 'cancelled']) },
      { layout: 'console' },
    );
  }

  @Can('cases.read')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  show(@Param('id', ParseUUIDPipe) id: string, @Query() query: Record<string, unknown>): Promise<string> {
    const conversionError = typeof query?.conversionError === 'string' ? query.conversionError.slice(0, 200) : undefined;
    return this.page(id, { conversionError, uploadNotice: uploadResultNotice(query) });
  }

  /** A coordinator's upload (a CD the patient mailed, a fax): the same checks as the patient's, then back to the case. */
  @Can('records.upload')
  @Audited({ action: 'records.upload', entityType: 'case', param: 'id' })
  @Post(':id/records/upload')
  @HttpCode(200)
  async upload(@Param('id', ParseUUIDPipe) id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const summary = await this.records.upload(id, request);
    if (summary.stoppedBy) reply.header('connection', 'close');
    void reply.redirect(`/console/cases/${id}?${uploadResultQuery(summary)}#records`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.ask_records', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/ask-records')
  @HttpCode(200)
  async askRecords(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.review.askForRecords(id, body.reason ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { askErrors: error.fields, values: body });
    }
    void reply.redirect(`/console/cases/${id}#records`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.triage', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/move')
  @HttpCode(200)
  async move(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    const move = body.move as 'start_triage' | 'request_records' | 'decline' | 'records_received' | 'accept';
    if (!['start_triage', 'request_records', 'decline', 'records_received', 'accept'].includes(move))
      throw new InvalidInput({ move: 'Choose an action from the page.' });
    try {
      await this.review.move(id, move, body.reason);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields, values: body });
    }
    void reply.redirect(`/console/cases/${id}`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.route_override', entityType: 'case', param: 'id' })
  @Post(':id/route')
  @HttpCode(200)
  async route(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.review.overrideRoute(id, body.route ?? '', body.reason ?? '', this.context.actor()!.id);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { routeErrors: error.fields, values: body });
    }
    void reply.redirect(`/console/cases/${id}`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.assign', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/assign')
  @HttpCode(200)
  async assign(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      if (!/^[0-9a-f-]{36}$/i.test(body.physician_id ?? '')) throw new InvalidInput({ physician_id: 'Choose a physician from the list.' });
      await this.assignments.assign(id, body.physician_id);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { assignErrors: error.fields });
    }
    void reply.redirect(`/console/cases/${id}#assignment`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.add_contributor', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/contributors')
  @HttpCode(200)
  async contributor(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      if (!/^[0-9a-f-]{36}$/i.test(body.physician_id ?? '')) throw new InvalidInput({ contributor: 'Choose a physician from the list.' });
      await this.contributors.add(id, body.physician_id);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { assignErrors: error.fields });
    }
    void reply.redirect(`/console/cases/${id}#assignment`, 303);
  }

  @Can('cases.read')
  @Audited({ action: 'case.message', entityType: 'case', param: 'id' })
  @RateLimit('messages')
  @Post(':id/messages')
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
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { messageErrors: error.fields, values: body });
    }
    void reply.redirect(`/console/cases/${id}#messages`, 303);
  }

  @Can('cases.triage')
  @Audited({ action: 'record_request.update', entityType: 'case', param: 'id' })
  @Post(':id/record-requests/:requestId')
  @HttpCode(200)
  async recordRequest(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('requestId', ParseUUIDPipe) requestId: string,
    @Body() body: Record<string, string>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!['sent', 'received', 'closed'].includes(body.status)) throw new InvalidInput({ status: 'Choose a status from the list.' });
    await this.review.setRecordRequestStatus(id, requestId, body.status as 'sent');
    void reply.redirect(`/console/cases/${id}#record-requests`, 303);
  }

  private async page(id: string, extra: Record<string, unknown> = {}): Promise<string> {
    const view = await this.review.view(id);
    const messages = await this.messages.list(id);
    const conversions = await this.conversions.list(id);
    const records = await this.records.page(id);
    const c = view.case;
    const canTriage = this.context.actor()!.roles.some((r) => r === 'admin' || r === 'coordinator');
    const overview = canTriage ? await this.assignments.overview(id) : null;
    const contributions = canTriage ? await this.contributors.forCase(id) : [];
    const assignment = overview && {
      ...overview,
      past: overview.history.filter((a) => a.endedAt),
      contributions,
      // Anyone linked to an account, other than the assignee and those already asked, may be asked to contribute.
      contributorChoices: overview.suggestions.filter(
        (s) => s.accountId && s.accountId !== c.assignedPhysicianId && !contributions.some((k) => k.physicianId === s.physicianId),
      ),
    };
    return this.views.render(
      'cases/case',
      {
        title: `Case ${c.number}`,
        c,
        route: c.routeOverride?.route ?? c.route,
        patient: view.patient,
        timeline: view.timeline,
        recordRequests: view.recordRequests,
        messages,
        conversions,
        records,
        canAskForRecords: ASKED_UPLOAD_STATES.includes(c.state),
        canTriage,
        assignment,
        canAssign: ['accepted', 'assigned', 'in_review'].includes(c.state),
        values: {},
        ...extra,
      },
      { layout: 'console' },
    );
  }
}
