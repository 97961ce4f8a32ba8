import { Injectable } from '@nestjs/common';
import { CatalogReader } from '@consilium/catalog';
import { intlLocale, RequestContext, Translator } from '@consilium/core';
import { Localized, ResolvedTenant } from '@consilium/tenancy';
import { Case } from './case.entity';

/** One of the offering's questions as staff read it: the question's own words and the answer's label. */
export interface IntakeAnswerView {
  question: string;
  /** The language of the hospital's words when they are not the reader's (the blueprint lacks it): marked on the page. */
  questionLang?: string;
  answer: string;
  answerLang?: string;
  /** Shown as data, never translated: the patient's own words, or the hospital's in another language. */
  data: boolean;
}

/**
 * A case's answers to its offering's own intake questions, for staff pages (the coordinator's case, the physician's
 * workspace): in the offering's order, each question and choice in the reader's language, a yes/no by key and a date
 * as their language writes it. An answer to a question the offering no longer asks keeps its code, shown as data.
 */
@Injectable()
export class StaffIntakeAnswers {
  constructor(
    private readonly catalog: CatalogReader,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  async of(c: Case): Promise<IntakeAnswerView[]> {
    const locale = this.context.locale();
    const fallback = this.context.tenant<ResolvedTenant>().defaultLocale;
    const questions = (await this.catalog.snapshot(c.tenantId)).offerings.find((o) => o.id === c.offeringId)?.intakeQuestions ?? [];
    const words = (text: Localized | undefined, code: string) => {
      const picked = pick(text, locale, fallback);
      return picked ? { text: picked.text, lang: picked.lang } : { text: code, lang: undefined };
    };
    const out: IntakeAnswerView[] = [];
    for (const q of questions) {
      const raw = c.intakeAnswers[q.key];
      if (raw === undefined || raw === '') continue;
      const question = words(q.label, q.key);
      const base = { question: question.text, questionLang: question.lang };
      if (q.type === 'yes_no' && (raw === 'yes' || raw === 'no')) {
        out.push({ ...base, answer: this.translator.t(`cases.intakeAnswer.${raw}`, locale), data: false });
      } else if (q.type === 'choice') {
        const option = q.options?.find((o) => o.value === raw);
        const label = option ? words(option.label, raw) : { text: raw, lang: undefined };
        out.push({ ...base, answer: label.text, answerLang: label.lang, data: !option || !!label.lang });
      } else if (q.type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(raw)) {
        // A calendar day, not an instant: formatted in UTC so no time zone moves it.
        const day = new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'long', timeZone: 'UTC' }).format(
          new Date(`${raw}T00:00:00Z`),
        );
        out.push({ ...base, answer: day, data: false });
      } else {
        out.push({ ...base, answer: raw, data: true });
      }
    }
    const asked = new Set(questions.map((q) => q.key));
    for (const [key, raw] of Object.entries(c.intakeAnswers)) {
      if (!asked.has(key) && raw) out.push({ question: key, answer: raw, data: true });
    }
    return out;
  }
}

/** The hospital's words in `locale` (or its language), else its default language, with the language when it is not the reader's. */
function pick(text: Localized | undefined, locale: string, fallback: string): { text: string; lang?: string } | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'string') return { text };
  const byLocale = text as Partial<Record<string, string>>;
  const language = locale.split('-')[0];
  for (const tag of [locale, language]) {
    const own = byLocale[tag];
    if (own) return { text: own };
  }
  for (const tag of [fallback, 'en', ...Object.keys(byLocale)]) {
    const other = byLocale[tag];
    if (other) return { text: other, lang: tag };
  }
  return undefined;
}
