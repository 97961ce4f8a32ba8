import { Injectable } from '@nestjs/common';
import type { Case } from '@consilium/cases';
import { MessageValues, msg, RequestContext, Translator } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { Opinion } from '../opinion.entity';
import { OpinionTranslation } from '../translation/opinion-translation.entity';

/** The version's translation as the patient's page shows it: released only, with who translated it. */
export interface PageTranslation {
  translation: OpinionTranslation | null;
  translatorName?: string;
}
import { OpinionAttribution, attributionWords } from '../opinion-attribution';
import { calendarDay, routeDisclaimer } from '../opinion-letter';

/** The delivered opinion as a page, in the reader's language: for the patient, or for their physician by link. */
@Injectable()
export class OpinionPage {
  constructor(
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  model(
    found: { c: Case; opinion: Opinion; attribution: OpinionAttribution; translated?: PageTranslation },
    shared?: { pdfUrl: string },
  ): Record<string, unknown> {
    const { c, opinion } = found;
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const who = attributionWords(found.attribution, locale, tenant.defaultLocale);
    const t = (key: string, values?: MessageValues) => this.translator.t(`opinions.${key}`, locale, values);
    const tr = found.translated?.translation;
    const released = tr?.status === 'released' ? tr : undefined;
    const disclaimer = routeDisclaimer(c.routeOverride?.route ?? c.route ?? 'direct', tenant.name, c.localPhysician?.name, c.jurisdiction);
    return {
      title: msg(shared ? 'opinions.portal.sharedTitle' : 'opinions.portal.title', { number: c.number }),
      c,
      opinion,
      who,
      licenseLine: who.license && t('letter.license', { number: who.license.number, jurisdiction: who.license.jurisdiction }),
      // Names and descriptions are data (marked on the page); the words around them are by key.
      files: who.files.map((f) => ({ name: f.name, kind: f.kind?.toUpperCase() })),
      hasRecords: who.files.length + who.studies.length > 0,
      studies: who.studies.map((s) => ({ day: s.date && calendarDay(s.date, locale), description: s.description || s.modalities })),
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
      translating: !!tr && !released,
    };
  }
}
