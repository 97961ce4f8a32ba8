import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormBody, Layout, Page, RateLimit, parseForm, redirect, Redirect, RequestContext } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CaseAssignments } from '../assignment/case-assignments.service';
import { CaseContributors } from '../assignment/case-contributors.service';
import { CaseMessages } from '../case-messages.service';
import { QueueBulk } from '../queue/queue-bulk.service';
import { SavedFilters } from '../queue/saved-filters.service';
import { CaseRecords, uploadResultQuery } from '../case-records.service';
import { CaseReview } from '../case-review.service';
import { ConsoleCasePage } from './case-page';
import { QueuePage } from './queue-page';

const MOVES = ['start_triage', 'request_records', 'decline', 'records_received', 'accept'] as const;
const moveForm = z.object({ move: field.choice(MOVES, 'cases.form.chooseAction'), reason: field.text({ optional: true, max: 1000 }) });
const reasonForm = z.object({ reason: field.text({ optional: true, max: 1000 }) });
const routeForm = z.object({ route: field.text({ optional: true }), reason: field.text({ optional: true, max: 1000 }) });
const UUID = /^[0-9a-f-]{36}$/i;
const physicianForm = (name: string) =>
  z.object({
    physician_id: field.text({ optional: true }).refine((v) => UUID.test(v), { message: 'cases.form.choosePhysician', path: [name] }),
  });
const overrideForm = physicianForm('physician_id').extend({
  override_reason: field.text({ required: 'cases.form.sayWhyOverride', max: 1000 }),
});
const bulkForm = z.object({
  action: field.choice(['assign', 'request_records'] as const, 'cases.queue.chooseBulkAction'),
  cases: field.list(),
  reason: field.text({ optional: true, max: 1000 }),
  back: field.text({ optional: true, max: 1000 }),
});
const saveFilterForm = z.object({ name: field.text({ max: 80 }), query: field.text({ optional: true, max: 1000 }) });
const messageForm = z.object({ body: field.text({ optional: true, max: 100_000 }) });
const statusForm = z.object({ status: field.choice(['sent', 'received', 'closed'] as const, 'cases.form.chooseStatus') });

/** The coordinator's console: the queue, and each case with its triage decisions. */
@Controller('console/cases')
@TenantSite()
@Layout('console')
export class ConsoleCasesController {
  constructor(
    private readonly review: CaseReview,
    private readonly messages: CaseMessages,
    private readonly assignments: CaseAssignments,
    private readonly contributors: CaseContributors,
    private readonly context: RequestContext,
    private readonly records: CaseRecords,
    private readonly page: ConsoleCasePage,
    private readonly queuePage: QueuePage,
    private readonly bulkActions: QueueBulk,
    private readonly savedFilters: SavedFilters,
  ) {}

  @Can('cases.read')
  @Get()
  @Page('cases/queue', { title: 'cases.console.queueTitle' })
  async list(@Query() query: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply) {
    const { model, refused } = await this.queuePage.show(query);
    // A filter is a GET form: refused, it shows again with each problem beside its field and no rows.
    if (refused) reply.status(400);
    return model;
  }

  /** Several cases of the queue at once: assign them to one physician, or ask their patients for records. */
  @Can('cases.triage')
  @Audited({ action: 'case.bulk', entityType: 'case' })
  @RateLimit('case-emails')
  @Post('bulk')
  @Form('cases/queue', { presenter: QueuePage, title: 'cases.console.queueTitle' })
  async bulk(@Body() body: FormBody): Promise<Redirect> {
    const form = parseForm(bulkForm, body);
    const outcome =
      form.action === 'assign'
        ? await this.bulkActions.assign(form.cases, parseForm(physicianForm('physician_id'), body).physician_id)
        : await this.bulkActions.requestRecords(form.cases, form.reason);
    const back = new URLSearchParams(form.back);
    back.set('done', String(outcome.done));
    back.set('skipped', String(outcome.skipped));
    return redirect(`/console/cases?${back.toString()}`);
  }

  /** A staff member's own named filter: the queue's current query, kept under a name. */
  @Can('cases.read')
  @Post('filters')
  @Form('cases/queue', { presenter: QueuePage, title: 'cases.console.queueTitle' })
  async saveFilter(@Body() body: FormBody): Promise<Redirect> {
    const { name, query } = parseForm(saveFilterForm, body);
    await this.savedFilters.save(name, query);
    return redirect(`/console/cases${query ? `?${query}` : ''}`);
  }

  @Can('cases.read')
  @Post('filters/:filterId/delete')
  async removeFilter(@Param('filterId', ParseUUIDPipe) filterId: string): Promise<Redirect> {
    await this.savedFilters.remove(filterId);
    return redirect('/console/cases');
  }

  @Can('cases.read')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get(':id')
  @Page('cases/case')
  show(@Param('id', ParseUUIDPipe) id: string, @Query() query: Record<string, unknown>) {
    return this.page.show(id, query);
  }

  /** A coordinator's upload (a CD the patient mailed, a fax): the same checks as the patient's, then back to the case. */
  @Can('records.upload')
  @Audited({ action: 'records.upload', entityType: 'case', param: 'id' })
  @Post(':id/records/upload')
  async upload(
    @Param('id', ParseUUIDPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Redirect> {
    const summary = await this.records.upload(id, request);
    if (summary.stoppedBy) reply.header('connection', 'close');
    return redirect(`/console/cases/${id}?${uploadResultQuery(summary)}#records`);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.ask_records', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/ask-records')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async askRecords(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.review.askForRecords(id, parseForm(reasonForm, body).reason);
    return redirect(`/console/cases/${id}#records`);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.triage', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/move')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async move(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { move, reason } = parseForm(moveForm, body);
    await this.review.move(id, move, reason || undefined);
    return redirect(`/console/cases/${id}`);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.route_override', entityType: 'case', param: 'id' })
  @Post(':id/route')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async route(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { route, reason } = parseForm(routeForm, body);
    await this.review.overrideRoute(id, route, reason, this.context.actor()!.id);
    return redirect(`/console/cases/${id}`);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.assign', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/assign')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async assign(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.assignments.assign(id, parseForm(physicianForm('physician_id'), body).physician_id);
    return redirect(`/console/cases/${id}#assignment`);
  }

  /** Over a physician's capacity (never their licensure), with the coordinator's reason in the case's history. */
  @Can('cases.triage')
  @Audited({ action: 'case.assign_over_capacity', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/assign-over-capacity')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async assignOverCapacity(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const { physician_id, override_reason } = parseForm(overrideForm, body);
    await this.assignments.assign(id, physician_id, override_reason);
    return redirect(`/console/cases/${id}#assignment`);
  }

  @Can('cases.triage')
  @Audited({ action: 'case.add_contributor', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/contributors')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async contributor(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.contributors.add(id, parseForm(physicianForm('contributor'), body).physician_id);
    return redirect(`/console/cases/${id}#assignment`);
  }

  @Can('cases.read')
  @Audited({ action: 'case.message', entityType: 'case', param: 'id' })
  @RateLimit('messages')
  @Post(':id/messages')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async message(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.messages.send(id, parseForm(messageForm, body).body);
    return redirect(`/console/cases/${id}#messages`);
  }

  @Can('cases.triage')
  @Audited({ action: 'record_request.update', entityType: 'case', param: 'id' })
  @Post(':id/record-requests/:requestId')
  async recordRequest(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('requestId', ParseUUIDPipe) requestId: string,
    @Body() body: FormBody,
  ): Promise<Redirect> {
    await this.review.setRecordRequestStatus(id, requestId, parseForm(statusForm, body).status);
    return redirect(`/console/cases/${id}#record-requests`);
  }
}
