import { emergencyNumber, intlLocale, msg, MessageRef, MessageValues, Translator } from '@consilium/core';
import { BrandedPdf, Letterhead } from '@consilium/documents';
import type { LicensureRoute } from '@consilium/cases';
import type { AttributionWords } from './opinion-attribution';
import { Opinion } from './opinion.entity';
import type { TranslatedText } from './translation/opinion-translation.entity';

/** A released translation of the version: the letter gives it first, then the signed original. */
export interface LetterTranslation {
  text: TranslatedText;
  /** The language the physician wrote and signed in. */
  sourceLocale: string;
  targetLocale: string;
  translatorName: string;
  releasedAt: Date;
}

export interface LetterContext {
  letterhead: Letterhead;
  caseNumber: string;
  /** The patient the opinion is about (a child's name when a parent asked), never the requester instead. */
  patientName: string;
  /** When a parent or caregiver asked for the patient: who, and how they are related (in the letter's language). */
  requestedBy?: { name: string; relationship: string };
  /** The roster physician who signed, the contributors and the records reviewed, in the letter's language. */
  attribution: AttributionWords;
  route: LicensureRoute;
  localPhysicianName?: string;
  /** Where the patient lives (`US-IL`, `MX`): the emergency number the letter gives is that country's. */
  jurisdiction?: string | null;
  /** The patient's language: headings, labels and dates of the letter follow it. */
  locale: string;
  timeZone: string;
  translator: Translator;
  translation?: LetterTranslation;
  /** Where the patient asks for an appointment after reading (issue 25): one line with the link. */
  appointmentUrl?: string;
}

/**
 * The disclaimer each licensure route requires, shown on the opinion page and printed in the letter; the emergency
 * number is the one of the country the patient lives in (`jurisdiction`).
 */
export function routeDisclaimer(
  route: LicensureRoute,
  hospitalName: string,
  localPhysician?: string,
  jurisdiction?: string | null,
): MessageRef {
  switch (route) {
    case 'educational':
      return msg('opinions.opinion.disclaimer.educational', { hospital: hospitalName });
    case 'physician_to_physician':
      return localPhysician
        ? msg('opinions.opinion.disclaimer.physician_to_physician', { physician: localPhysician })
        : msg('opinions.opinion.disclaimer.physician_to_physician_unnamed');
    default:
      return msg('opinions.opinion.disclaimer.direct', { hospital: hospitalName, emergency: emergencyNumber(jurisdiction) });
  }
}

/** How the letter says what the physician concluded about the diagnosis (longer than the page: "described below"). */
const AGREEMENT_KEY = {
  confirmed: 'opinions.opinion.agreement.confirmed',
  refined: 'opinions.letter.refined',
  changed: 'opinions.letter.changed',
} as const;

/** The branded letter of one signed opinion version, in the patient's language. Deterministic for a version and context. */
export async function renderOpinionLetter(opinion: Opinion, ctx: LetterContext): Promise<Buffer> {
  const t = (key: string, values?: MessageValues) => ctx.translator.t(`opinions.${key}`, ctx.locale, values);
  const disclaimer = ctx.translator.message(
    routeDisclaimer(ctx.route, ctx.letterhead.hospitalName, ctx.localPhysicianName, ctx.jurisdiction),
    ctx.locale,
  );
  const signedAt = opinion.signedAt ?? undefined;
  const pdf = new BrandedPdf(
    { ...ctx.letterhead, footer: `${ctx.caseNumber} · ${disclaimer}` },
    {
      title: opinion.version > 1 ? t('letter.titleAmended', { version: opinion.version }) : t('letter.title'),
      date: opinion.signedAt ?? new Date(),
      locale: ctx.locale,
      timeZone: ctx.timeZone,
    },
  );
  pdf.field(t('letter.patient'), ctx.patientName);
  if (ctx.requestedBy) pdf.field(t('letter.requestedBy'), t('letter.requestedByValue', ctx.requestedBy));
  pdf.field(t('letter.request'), ctx.caseNumber);
  if (ctx.route === 'physician_to_physician' && ctx.localPhysicianName) pdf.field(t('letter.addressedTo'), ctx.localPhysicianName);
  pdf.paragraph(disclaimer, { italic: true, size: 10 });
  const tr = ctx.translation;
  if (tr) {
    // Says which text is which before any of it: the translation, then the signed original, which prevails.
    const language = (tag: string) => new Intl.DisplayNames([intlLocale(ctx.locale)], { type: 'language' }).of(tag.split('-')[0]) ?? tag;
    pdf.paragraph(
      t('letter.translationNotice', {
        language: language(tr.targetLocale),
        original: language(tr.sourceLocale),
        physician: ctx.attribution.signature,
        translator: tr.translatorName,
        when: pdf.formatDate(tr.releasedAt, false),
      }),
      { italic: true },
    );
    body(pdf, t, ctx, opinion, tr.text);
    pdf.heading(t('letter.originalHeading', { language: language(tr.sourceLocale) }));
  }
  body(pdf, t, ctx, opinion, originalOf(opinion));
  sources(pdf, t, ctx.attribution, ctx.locale);
  const who = ctx.attribution;
  if (ctx.appointmentUrl) pdf.paragraph(t('letter.appointment', { who: who.signature, url: ctx.appointmentUrl }));
  pdf.signature({
    name: who.signature,
    detail: [
      who.title ?? '',
      who.specialty ?? '',
      who.license ? t('letter.license', { number: who.license.number, jurisdiction: who.license.jurisdiction }) : '',
      ctx.letterhead.hospitalName,
    ].filter(Boolean),
    signedAt,
    signedText: signedAt && t('letter.signed', { when: pdf.formatDate(signedAt, true) }),
  });
  if (who.check)
    pdf.paragraph(t('letter.checkedBy', { role: who.check.role, name: who.check.name, when: pdf.formatDate(who.check.at, false) }), {
      italic: true,
      size: 9,
    });
  return pdf.toBuffer();
}

export type Text = (key: string, values?: MessageValues) => string;

function originalOf(o: Opinion): TranslatedText {
  return {
    amendmentReason: o.amendmentReason ?? '',
    patientSummary: o.patientSummary,
    diagnosisNote: o.diagnosisNote,
    recommendations: o.recommendations,
    alternatives: o.alternatives,
    clinicalTrials: o.clinicalTrials,
    answers: o.answers.map((a) => a.answer),
  };
}

/** The opinion's sections, with headings in the letter's language and the words of one version (original or translation). */
function body(pdf: BrandedPdf, t: Text, ctx: LetterContext, opinion: Opinion, text: TranslatedText): void {
  if (text.amendmentReason) pdf.heading(t('opinion.amendedWhy')).paragraph(text.amendmentReason);
  pdf.heading(t('opinion.plainWords')).paragraph(text.patientSummary);
  pdf.heading(t('opinion.diagnosis')).paragraph(ctx.translator.t(AGREEMENT_KEY[opinion.diagnosisAgreement ?? 'confirmed'], ctx.locale));
  if (text.diagnosisNote) pdf.paragraph(text.diagnosisNote);
  pdf.heading(t('opinion.treatment')).paragraph(t(opinion.treatmentChanged ? 'opinion.treatmentChanged' : 'opinion.treatmentKept'));
  pdf.heading(t('opinion.recommendations')).paragraph(text.recommendations);
  if (text.alternatives) pdf.heading(t('opinion.alternatives')).paragraph(text.alternatives);
  if (text.clinicalTrials) pdf.heading(t('opinion.clinicalTrials')).paragraph(text.clinicalTrials);
  if (opinion.answers.length) {
    pdf.heading(t('opinion.yourQuestions'));
    opinion.answers.forEach((qa, i) =>
      pdf.paragraph(t('letter.question', { question: qa.question }), { italic: true }).paragraph(text.answers[i] ?? ''),
    );
  }
}

/** What the opinion was written from (file names and kinds, imaging studies; never their contents) and with whom. */
function sources(pdf: BrandedPdf, t: Text, a: AttributionWords, locale: string): void {
  pdf.heading(t('letter.recordsReviewed'));
  const lines = [...a.files.map((f) => recordLine(t, f)), ...a.studies.map((s) => studyLine(t, s, locale)).filter((l) => l !== '')];
  if (lines.length) pdf.bullets(lines);
  else pdf.paragraph(t('letter.noRecords'));
  if (a.contributors.length) pdf.heading(t('letter.contributors')).bullets(a.contributors);
}

function recordLine(t: Text, f: AttributionWords['files'][number]): string {
  return f.kind ? t('letter.recordFile', { name: f.name, kind: f.kind.toUpperCase() }) : f.name;
}

/** A DICOM study by its date and its description (or, without one, its modalities). */
function studyLine(t: Text, s: AttributionWords['studies'][number], locale: string): string {
  const what = s.description || s.modalities;
  if (!s.date) return what ? t('letter.studyUndated', { description: what }) : '';
  return t('letter.study', { date: calendarDay(s.date, locale), description: what || '—' });
}

/** `YYYY-MM-DD` as the reader's language writes it; a calendar day, so in UTC (no time zone moves it). */
export function calendarDay(day: string, locale: string): string {
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}
