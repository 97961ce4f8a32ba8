import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CaseAssignments, CaseContributors, CaseQueue, CaseRecords, CaseReview, FollowUps } from '@consilium/cases';
import { Can, InvalidInput, NotFound, RateLimit, RequestContext, ViewRenderer } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { OpinionDelivery } from '../opinion-delivery.service';
import { OpinionEditor } from '../opinion-editor.service';

/** The physician's workspace: their queue by due date, the case, and the opinion editor. */
@Controller('console/reviews')
@TenantSite()
export class ConsoleReviewsController {
  constructor(
    private readonly editor: OpinionEditor,
    private readonly delivery: OpinionDelivery,
    private readonly queue: CaseQueue,
    private readonly review: CaseReview,
    private readonly assignments: CaseAssignments,
    private readonly contributors: CaseContributors,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly followUps: FollowUps,
    private readonly records: CaseRecords,
  ) {}

  @Can('cases.review')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async list(): Promise<string> {
    const actor = this.context.actor()!;
    const rows = await this.queue.list({}, { ...actor, roles: ['physician'] });
    return this.views.render('opinions/reviews', { title: 'My reviews', rows }, { layout: 'console' });
  }

  @Can('cases.review')
  @Audited({ action: 'case.read', entityType: 'case', param: 'id' })
  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  show(@Param('id', ParseUUIDPipe) id: string): Promise<string> {
    return this.page(id);
  }

  @Can('cases.review')
  @Audited({ action: 'case.begin_review', entityType: 'case', param: 'id' })
  @Post(':id/begin')
  @HttpCode(200)
  async begin(@Param('id', ParseUUIDPipe) id: string, @Res() reply: FastifyReply): Promise<void> {
    // Accepting the assignment starts the review; only the assigned physician gets past CaseAssignments.
    await this.assignments.accept(id);
    void reply.redirect(`/console/reviews/${id}`, 303);
  }

  @Can('cases.review')
  @Audited({ action: 'case.contribution', entityType: 'case', param: 'id' })
  @Post(':id/contribution')
  @HttpCode(200)
  async contribution(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.contributors.saveNote(id, body.note ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields });
    }
    void reply.redirect(`/console/reviews/${id}?saved=1`, 303);
  }

  @Can('cases.review')
  @Audited({ action: 'case.decline_assignment', entityType: 'case', param: 'id' })
  @RateLimit('case-emails')
  @Post(':id/decline')
  @HttpCode(200)
  async decline(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.assignments.decline(id, body.reason ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields });
    }
    void reply.redirect('/console/reviews?declined=1', 303);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.write', entityType: 'case', param: 'id' })
  @Post(':id/draft')
  @HttpCode(200)
  async draft(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string | string[]>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.editor.saveDraft(id, formInput(body));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields });
    }
    void reply.redirect(`/console/reviews/${id}?saved=1`, 303);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.sign', entityType: 'case', param: 'id' })
  @RateLimit('second-factor')
  @Post(':id/sign')
  @HttpCode(200)
  async sign(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string | string[]>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    let signed;
    try {
      await this.editor.saveDraft(id, formInput(body));
      signed = await this.editor.sign(id, String(body.code ?? ''));
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields, signErrors: true });
    }
    await this.delivery.deliver(this.context.tenant<ResolvedTenant>(), signed.opinion.id);
    void reply.redirect(`/console/reviews/${id}?signed=1`, 303);
  }

  @Can('cases.review')
  @Audited({ action: 'opinion.amend', entityType: 'case', param: 'id' })
  @Post(':id/amend')
  @HttpCode(200)
  async amend(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.editor.amend(id, body.amendment_reason ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields });
    }
    void reply.redirect(`/console/reviews/${id}`, 303);
  }

  @Can('cases.review')
  @Audited({ action: 'case.follow_up_answer', entityType: 'case', param: 'id' })
  @Post(':id/follow-ups/:followUpId')
  @HttpCode(200)
  async answer(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('followUpId', ParseUUIDPipe) followUpId: string,
    @Body() body: Record<string, string>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | void> {
    try {
      await this.followUps.answer(id, followUpId, body.answer ?? '');
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.page(id, { errors: error.fields });
    }
    void reply.redirect(`/console/reviews/${id}#follow-ups`, 303);
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

  private async page(id: string, extra: Record<string, unknown> = {}): Promise<string> {
    // A contributing physician (multidisciplinary review) gets the case and their note; the opinion is the assignee's.
    const mine = await this.contributors.mine(id);
    if (mine && mine.c.assignedPhysicianId !== this.context.actor()!.id) {
      const view = await this.review.view(id);
      const records = await this.records.page(id);
      return this.views.render(
        'opinions/contribution',
        { title: `Review ${mine.c.number}`, c: mine.c, patient: view.patient, records, contribution: mine.contribution, ...extra },
        { layout: 'console' },
      );
    }
    const ws = await this.editor.workspace(id);
    const view = await this.review.view(id);
    const draft = ws.draft;
    const followUps = ws.case.state === 'follow_up' || ws.case.followUpsUsed > 0 ? await this.followUps.list(id) : [];
    return this.views.render(
      'opinions/workspace',
      {
        title: `Review ${ws.case.number}`,
        c: ws.case,
        patient: view.patient,
        draft,
        answers: draft ? draft.answers : ws.case.questions.map((question) => ({ question, answer: '' })),
        signed: ws.signed,
        canBegin: ws.case.state === 'assigned',
        canDecline: ws.case.state === 'assigned' || ws.case.state === 'in_review',
        canWrite: ws.case.state === 'in_review' || !!draft,
        canAmend: ws.signed.length > 0 && !draft,
        followUps,
        records: await this.records.page(id),
        contributions: (await this.contributors.forCase(id)).filter((k) => k.note),
        ...extra,
      },
      { layout: 'console' },
    );
  }
}

function formInput(body: Record<string, string | string[]>) {
  const one = (k: string) => (Array.isArray(body[k]) ? body[k][0] : (body[k] as string | undefined));
  const answers = Object.keys(body)
    .filter((k) => /^answer_\d+$/.test(k))
    .sort((x, y) => Number(x.slice(7)) - Number(y.slice(7)))
    .map((k) => one(k) ?? '');
  return {
    diagnosisAgreement: one('diagnosis_agreement'),
    treatmentChanged: one('treatment_changed'),
    diagnosisNote: one('diagnosis_note'),
    recommendations: one('recommendations'),
    alternatives: one('alternatives'),
    clinicalTrials: one('clinical_trials'),
    patientSummary: one('patient_summary'),
    answers: answers.length ? answers : undefined,
  };
}
