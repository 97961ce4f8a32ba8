import { Injectable } from '@nestjs/common';
import { CaseContributors, CaseQueue, CaseRecords, CaseReview, FollowUps, StaffIntakeAnswers, subjectShown } from '@consilium/cases';
import { Clock, FormBody, FormPresenter, msg, RefusedForm, RequestContext } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { OpinionEditor } from '../opinion-editor.service';
import { OpinionQualityChecks } from '../quality/opinion-quality-checks.service';
import { InternalNotes } from '../internal-notes.service';

/** What the opinion form sends, as the editor takes it: text as typed, the answers in their order. */
export function draftInput(body: FormBody) {
  const one = (k: string) => {
    const v = body[k];
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? first : undefined;
  };
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

/**
 * The physician's workspace: their queue, and a case with the opinion editor (or, for a contributing physician of a
 * multidisciplinary review, the case and their note). A refused draft or signature shows the opinion as typed.
 */
@Injectable()
export class ReviewsPage implements FormPresenter {
  constructor(
    private readonly editor: OpinionEditor,
    private readonly queue: CaseQueue,
    private readonly review: CaseReview,
    private readonly contributors: CaseContributors,
    private readonly followUps: FollowUps,
    private readonly records: CaseRecords,
    private readonly intakeAnswers: StaffIntakeAnswers,
    private readonly checks: OpinionQualityChecks,
    private readonly notes: InternalNotes,
    private readonly context: RequestContext,
    private readonly clock: Clock,
  ) {}

  /** Who the case is for (the patient's age on the hospital's today, sex, language), as the case page shows it. */
  private subject(view: Awaited<ReturnType<CaseReview['view']>>) {
    return subjectShown(view.subject, this.context.tenant<ResolvedTenant>().timeZone, this.clock.now());
  }

  async list(): Promise<Record<string, unknown>> {
    const actor = this.context.actor()!;
    const rows = await this.queue.list({}, { ...actor, roles: ['physician'] });
    return { rows: rows.map((r) => ({ ...r, stateKey: `opinions.state.${r.state}` })) };
  }

  async workspace(id: string, typed?: FormBody): Promise<Record<string, unknown>> {
    const mine = await this.contributors.mine(id);
    if (mine && mine.c.assignedPhysicianId !== this.context.actor()!.id) {
      const view = await this.review.view(id);
      return {
        title: msg('opinions.workspace.title', { number: mine.c.number }),
        contributor: true,
        c: mine.c,
        patient: view.patient,
        subject: this.subject(view),
        intakeAnswers: await this.intakeAnswers.of(mine.c),
        records: await this.records.page(id),
        contribution: typed?.note !== undefined ? { note: typed.note } : mine.contribution,
      };
    }
    const ws = await this.editor.workspace(id);
    const view = await this.review.view(id);
    const saved = ws.draft;
    const input = typed && draftInput(typed);
    // As typed, over the saved draft: a refused save or signature loses nothing.
    const draft = input
      ? {
          ...saved,
          ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
          treatmentChanged: input.treatmentChanged === undefined ? saved?.treatmentChanged : input.treatmentChanged === 'yes',
        }
      : saved;
    const questions = saved ? saved.answers.map((a) => a.question) : ws.case.questions;
    const followUps = ws.case.state === 'follow_up' || ws.case.followUpsUsed > 0 ? await this.followUps.list(id) : [];
    const route = ws.case.routeOverride?.route ?? ws.case.route;
    return {
      title: msg('opinions.workspace.title', { number: ws.case.number }),
      c: ws.case,
      stateKey: `opinions.state.${ws.case.state}`,
      routeKey: route ? `opinions.route.${route}` : undefined,
      patient: view.patient,
      subject: this.subject(view),
      intakeAnswers: await this.intakeAnswers.of(ws.case),
      draft,
      answers: questions.map((question, i) => ({
        question,
        answer: input?.answers?.[i] ?? saved?.answers[i]?.answer ?? '',
      })),
      signed: ws.signed,
      inCheck: ws.inCheck,
      checks: await this.checks.historyOf(ws.case.id),
      notes: await this.notes.list(ws.case.id),
      noteAction: `/console/reviews/${ws.case.id}/notes`,
      internalNote: typeof typed?.internal_note === 'string' ? typed.internal_note : '',
      canBegin: ws.case.state === 'assigned',
      canDecline: ws.case.state === 'assigned' || ws.case.state === 'in_review',
      canWrite: (ws.case.state === 'in_review' || !!saved) && !ws.inCheck,
      canAmend: ws.signed.length > 0 && !saved && !ws.inCheck,
      followUps,
      records: await this.records.page(id),
      contributions: (await this.contributors.forCase(id)).filter((k) => k.note),
    };
  }

  refused({ params, values, action }: RefusedForm): Promise<Record<string, unknown>> {
    const typed = /\/(draft|sign|contribution|notes)$/.test(action) ? values : undefined;
    return this.workspace(params.id, typed);
  }
}
