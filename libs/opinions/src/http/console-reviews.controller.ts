import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CaseAssignments, CaseContributors, FollowUps } from '@consilium/cases';
import {
  Can,
  field,
  Form,
  FormBody,
  Layout,
  NotFound,
  Page,
  RateLimit,
  parseForm,
  redirect,
  Redirect,
  RequestContext,
  StaffOnly,
} from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionEditor } from '../opinion-editor.service';
import { InternalNotes } from '../internal-notes.service';
import { draftInput, ReviewsPage } from './reviews-page';

/** The workspace's one-field forms: the services say what each must hold, the length is checked here. */
const noteForm = z.object({ note: field.text({ optional: true, max: 20000 }) });
const reasonForm = z.object({ reason: field.text({ optional: true, max: 2000 }) });
const codeForm = z.object({ code: field.text({ optional: true, max: 20 }) });
const amendForm = z.object({ amendment_reason: field.text({ optional: true, max: 2000 }) });
const internalNoteForm = z.object({ internal_note: field.text({ optional: true, max: 5000 }) });
const answerForm = z.object({ answer: field.text({ optional: true, max: 20000 }) });

const WORKSPACE = 'opinions/workspace';

/** The physician's workspace: their queue by due date, the case, and the opinion editor. */
@Controller('console/reviews')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleReviewsController {
  constructor(
    private readonly editor: OpinionEditor,
    private readonly delivery: OpinionDelivery,
    private readonly assignments: CaseAssignments,
    private readonly contributors: CaseContributors,
    private readonly followUps: FollowUps,
    private readonly page: ReviewsPage,
    private readonly notes: InternalNotes,
    private readonly context: RequestContext,
  ) {}

  @Can('cases.review')
  @Get()
  @Page('opinions/reviews', { title: 'opinions.reviews.title' })
  list() {
    return this.page.list();
  }

  @Can('cases.review')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get(':id')
  @Page(WORKSPACE)
  show(@Param('id', ParseUUIDPipe) id: string) {
    return this.page.workspace(id);
  }

  @Can('cases.review')
  @Audited({ action: 'case.begin_review', entityType: 'case', param: 'id' })
  @Post(':id/begin')
  async begin(@Param('id', ParseUUIDPipe) id: string): Promise<Redirect> {
    // Accepting the assignment starts the review; only the assigned physician gets past CaseAssignments.
    await this.assignments.accept(id);
    return redirect(`/console/reviews/${id}`);
  }

  @Can('cases.review')
  @Audited({ action: 'case.contribution', entityType: 'case', param: 'id' })
  @Post(':id/contribution')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async contribution(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.contributors.saveNote(id, parseForm(noteForm, body).note);
    return redirect(`/console/reviews/${id}?saved=1`);
  }

  @Can('cases.review')
  @Audited({ action: 'case.internal_note', entityType: 'case', param: 'id' })
  @Post(':id/notes')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async note(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.notes.add(id, parseForm(internalNoteForm, body).internal_note);
    return redirect(`/console/reviews/${id}#internal-notes`);
  }

  @Can('cases.review')
  @Audited({ action: 'case.decline_assignment', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/decline')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async decline(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.assignments.decline(id, parseForm(reasonForm, body).reason);
    return redirect('/console/reviews?declined=1');
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.write', entityType: 'case', param: 'id' })
  @Post(':id/draft')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async draft(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.editor.saveDraft(id, draftInput(body));
    return redirect(`/console/reviews/${id}?saved=1`);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.sign', entityType: 'case', param: 'id' })
  @RateLimit('second-factor')
  @Post(':id/sign')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async sign(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.editor.saveDraft(id, draftInput(body));
    const signed = await this.editor.sign(id, parseForm(codeForm, body).code);
    await this.delivery.deliver(this.context.tenant<ResolvedTenant>(), signed.opinion.id);
    return redirect(`/console/reviews/${id}?signed=1`);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.amend', entityType: 'case', param: 'id' })
  @Post(':id/amend')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async amend(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    await this.editor.amend(id, parseForm(amendForm, body).amendment_reason);
    return redirect(`/console/reviews/${id}`);
  }

  @Can('cases.review')
  @Audited({ action: 'case.follow_up_answer', entityType: 'case', param: 'id' })
  @Post(':id/follow-ups/:followUpId')
  @Form(WORKSPACE, { presenter: ReviewsPage })
  async answer(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('followUpId', ParseUUIDPipe) followUpId: string,
    @Body() body: FormBody,
  ): Promise<Redirect> {
    await this.followUps.answer(id, followUpId, parseForm(answerForm, body).answer);
    return redirect(`/console/reviews/${id}#follow-ups`);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.download', entityType: 'case', param: 'id' })
  @Get(':id/opinions/:opinionId/letter.pdf')
  async letter(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('opinionId', ParseUUIDPipe) opinionId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { signed } = await this.editor.workspace(id);
    if (!signed.some((o) => o.id === opinionId)) throw new NotFound();
    const pdf = await this.delivery.letter(opinionId);
    if (!pdf) throw new NotFound();
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="opinion.pdf"')
      .header('cache-control', 'no-store')
      .send(pdf);
  }
}
