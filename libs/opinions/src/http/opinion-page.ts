import { Injectable } from '@nestjs/common';
import type { Case } from '@consilium/cases';
import { msg, RequestContext, Translator } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { Opinion } from '../opinion.entity';
import { OpinionTranslation } from '../translation/opinion-translation.entity';

/** The version's translation as the patient's page shows it: released only, with who translated it. */
export interface PageTranslation {
  translation: OpinionTranslation | null;
  translatorName?: string;
}
import { routeDisclaimer } from '../opinion-letter';

/** The delivered opinion as a page, in the reader's language: for the patient, or for their physician by link. */
@Injectable()
export class OpinionPage {
  constructor(
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  model(
    found: { c: Case; opinion: Opinion; physician?: { name: string }; translated?: PageTranslation },
    shared?: { pdfUrl: string },
  ): Record<string, unknown> {
    const { c, opinion, physician } = found;
    const t = found.translated?.translation;
    const released = t?.status === 'released' ? t : undefined;
    const disclaimer = routeDisclaimer(
      c.routeOverride?.route ?? c.route ?? 'direct',
      this.context.tenant<ResolvedTenant>().name,
      c.localPhysician?.name,
      c.jurisdiction,
    );
    return {
      title: msg(shared ? 'opinions.portal.sharedTitle' : 'opinions.portal.title', { number: c.number }),
      c,
      opinion,
      physician,
      agreementKey: `opinions.opinion.agreement.${opinion.diagnosisAgreement ?? 'confirmed'}`,
      shared: !!shared,
      pdfUrl: shared?.pdfUrl,
      disclaimer: this.translator.message(disclaimer, this.context.locale()),
      translated: released && {
        text: released.text,
        answers: opinion.answers.map((qa, i) => ({ question: qa.question, answer: released.text.answers[i] ?? '' })),
        sourceLocale: released.sourceLocale,
        targetLocale: released.targetLocale,
        translatorName: found.translated?.translatorName,
        releasedAt: released.releasedAt,
      },
      // An amendment whose translation is still with the translator: the page shows the signed original meanwhile.
      translating: !!t && !released,
    };
  }
}
