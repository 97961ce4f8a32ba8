import { field, FormBody, LanguageName } from '@consilium/core';
import { FAQ_TOPICS, Localized } from '@consilium/tenancy';
import { z } from 'zod';
import type { FaqInput, TestimonialInput, TitledText } from '../content/site-content.types';

type Row = Record<string, unknown>;
type Ctx = z.RefinementCtx;

const textOf = (v: unknown): string => {
  const first: unknown = Array.isArray(v) ? (v as unknown[])[0] : v;
  return typeof first === 'string' ? first.trim() : '';
};

/**
 * A row's text in each of the site's languages (`title_en`, `title_fr` of `point_3_...`), as core's
 * `field.localized` reads a top-level one: one string for a one-language site, a missing language beside its field.
 */
export function localizedIn(row: Row, name: string, locales: readonly string[], ctx: Ctx, options: { max: number; optional?: boolean }) {
  const values = Object.fromEntries(locales.map((l) => [l, textOf(row[`${name}_${l}`])]));
  if (options.optional && locales.every((l) => !values[l])) return undefined;
  let ok = true;
  for (const l of locales) {
    const path = [`${name}_${l}`];
    if (!values[l]) {
      ok = false;
      ctx.addIssue(
        locales.length > 1
          ? { code: 'custom', path, message: 'core.form.textIn', params: { language: new LanguageName(l) } }
          : { code: 'custom', path, message: 'core.form.text' },
      );
    } else if (values[l].length > options.max) {
      ok = false;
      ctx.addIssue({ code: 'custom', path, message: 'core.form.tooLong', params: { max: options.max } });
    }
  }
  if (!ok) return undefined;
  return locales.length === 1 ? values[locales[0]] : values;
}

/** A value point or a step: a title and a sentence, in every language. */
function titledRow(locales: readonly string[]) {
  return z.record(z.string(), z.unknown()).transform((row, ctx): TitledText => {
    const title = localizedIn(row, 'title', locales, ctx, { max: 200 });
    const text = localizedIn(row, 'text', locales, ctx, { max: 1000 });
    return { title: title!, text: text! };
  });
}

/** The home page's hero, value points and steps (the blueprint's `landing:`, but its call to action). */
export function landingForm(locales: readonly string[]) {
  return (
    z
      .object({
        hero_title: field.localized(locales, { max: 200 }),
        hero_subtitle: field.localized(locales, { optional: true, max: 500 }),
        hero_cta: field.localized(locales, { optional: true, max: 60 }),
        value_title: field.localized(locales, { optional: true, max: 200 }),
        point: field.rows(titledRow(locales)),
        step: field.rows(titledRow(locales)),
      })
      // Checked even when a field above is refused, so every problem shows at once.
      .refine((form) => !(form.value_title && !count(form.point)), {
        path: ['value_title'],
        message: 'marketing.console.pointsMissing',
        when,
      })
      .refine((form) => !(!form.value_title && count(form.point)), {
        path: ['value_title'],
        message: 'marketing.console.valueTitleMissing',
        when,
      })
      .refine((form) => count(form.step) !== 1, { path: ['steps'], message: 'marketing.console.oneStep', when })
      .transform((form) => ({
        hero: {
          title: form.hero_title as Localized,
          ...(form.hero_subtitle ? { subtitle: form.hero_subtitle } : {}),
          ...(form.hero_cta ? { cta: form.hero_cta } : {}),
        },
        ...(form.value_title ? { value: { title: form.value_title, points: form.point.map(titled) } } : {}),
        ...(form.step.length ? { steps: form.step.map(titled) } : {}),
      }))
  );
}

const when = () => true;

/** Rows given (a refused form's rows are still a record of the rows that were not blank). */
const count = (rows: unknown): number =>
  Array.isArray(rows) ? rows.length : rows && typeof rows === 'object' ? Object.keys(rows).length : 0;

const titled = ({ title, text }: TitledText): TitledText => ({ title, text });

const topic = z.preprocess((v) => textOf(v) || 'general', z.enum(FAQ_TOPICS, 'marketing.console.topicInvalid'));

export function faqsForm(locales: readonly string[]) {
  return z
    .object({
      faq: field.rows(
        z.record(z.string(), z.unknown()).transform((row, ctx): FaqInput => {
          const parsed = topic.safeParse(row.topic);
          if (!parsed.success) ctx.addIssue({ code: 'custom', path: ['topic'], message: 'marketing.console.topicInvalid' });
          const question = localizedIn(row, 'question', locales, ctx, { max: 300 });
          const answer = localizedIn(row, 'answer', locales, ctx, { max: 3000 });
          return { topic: parsed.data ?? 'general', question: question!, answer: answer! };
        }),
      ),
    })
    .transform((form) => form.faq.map(({ topic, question, answer }): FaqInput => ({ topic, question, answer })));
}

export function testimonialsForm(locales: readonly string[]) {
  return z
    .object({
      testimonial: field.rows(
        z.record(z.string(), z.unknown()).transform((row, ctx): TestimonialInput => {
          const quote = localizedIn(row, 'quote', locales, ctx, { max: 1000 });
          const author = textOf(row.author);
          if (!author || author.length > 120)
            ctx.addIssue({ code: 'custom', path: ['author'], message: 'marketing.console.authorRequired', params: { max: 120 } });
          const context = localizedIn(row, 'context', locales, ctx, { max: 200, optional: true });
          return { quote: quote!, author, ...(context ? { context } : {}) };
        }),
      ),
    })
    .transform((form) => form.testimonial.map(({ quote, author, context }) => ({ quote, author, ...(context ? { context } : {}) })));
}

/**
 * A FAQ row's topic is a select, so it is always sent: a row whose question and answer are blank is the blank row
 * left for adding one, whatever its topic says.
 */
export function withoutBlankTopics(body: FormBody): FormBody {
  const out: FormBody = { ...body };
  for (const key of Object.keys(body)) {
    const m = /^faq_(\d{1,3})_topic$/.exec(key);
    if (!m) continue;
    const texts = Object.entries(body).filter(([k]) => k.startsWith(`faq_${m[1]}_`) && k !== key && !k.endsWith('_remove'));
    if (texts.every(([, v]) => !textOf(v))) delete out[key];
  }
  return out;
}
