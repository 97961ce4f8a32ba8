import { Injectable } from '@nestjs/common';
import { Case } from '@consilium/cases';
import { CatalogReader } from '@consilium/catalog';
import { FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { IntakeDrafts, IntakeProgress } from '../../wizard/intake-drafts.service';
import { detailsValues, offeringQuestions, typedDetails } from '../../wizard/intake-form';
import { subjectOptions, subjectValues } from '../../wizard/subject-form';
import { ConsentsStep } from './consents-step';
import { draftView } from './draft-view';

/** The questions step: the patient's questions (a box each), diagnosis, proposed treatment, the offering's own. */
@Injectable()
export class DetailsStep implements FormPresenter {
  constructor(
    private readonly drafts: IntakeDrafts,
    private readonly catalog: CatalogReader,
    private readonly context: RequestContext,
    private readonly consents: ConsentsStep,
  ) {}

  async saved(id: string): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(id);
    return this.model(
      c,
      progress,
      { questions: c.questions, diagnosis: c.diagnosis, proposedTreatment: c.proposedTreatment, answers: c.intakeAnswers },
      subjectValues(await this.drafts.subject(id)),
    );
  }

  async refused({ params, values, errors }: RefusedForm): Promise<Record<string, unknown>> {
    const { c, progress } = await this.drafts.draft(params.id);
    const typed = Object.fromEntries(Object.keys(subjectValues(null)).map((k) => [k, String(values[k] ?? '')]));
    return this.model(c, progress, typedDetails(values), { ...typed, for_whom: typed.for_whom || 'self' }, errors);
  }

  /** The offering's own questions of a draft (their answers are checked against them). */
  async questionsOf(c: Case) {
    return (await this.catalog.snapshot(c.tenantId)).offerings.find((o) => o.id === c.offeringId)?.intakeQuestions ?? [];
  }

  private async model(
    c: Case,
    progress: IntakeProgress,
    details: Parameters<typeof detailsValues>[0],
    who: Record<string, string>,
    errors: Record<string, string> = {},
  ) {
    const values = detailsValues(details);
    const tenant = this.context.tenant<ResolvedTenant>();
    return {
      draft: draftView(c, progress, 'details'),
      values,
      who: { ...who, proxy: who.for_whom !== 'self', child: who.for_whom === 'child' },
      subjectOptions,
      proxyDocuments: this.consents
        .documents(c)
        .filter((d) => d.kind === 'proxy_guardian' || d.kind === 'proxy_authorization')
        .map((d) => ({ ...d, field: d.kind, checked: who[d.kind] === 'yes' || who[d.kind] === 'on', error: errors[d.kind] })),
      questionBoxes: values.questions.map((text, i) => ({ text, n: i + 1, id: `f-question-${i + 1}` })),
      offeringQuestions: offeringQuestions(await this.questionsOf(c), this.context.locale(), tenant.defaultLocale).map((q) => ({
        ...q,
        value: values.answers[q.key] ?? '',
        error: errors[q.field],
      })),
    };
  }
}
