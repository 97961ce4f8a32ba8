import { field, LanguageName } from '@consilium/core';
import { INTAKE_QUESTION_TYPES, isJurisdiction, Localized, ResolvedTenant } from '@consilium/tenancy';
import { z } from 'zod';
import type { IntakeQuestion, OfferingExclusions } from '../catalog.types';

const KEY = /^[a-z][a-z0-9_]{0,40}$/;

type Row = Record<string, unknown> & { index: number; key: string; type: IntakeQuestion['type']; required: boolean };

/** Lines of a textarea, trimmed, blank ones dropped. */
export const lines = (v: unknown): string[] =>
  (typeof v === 'string' ? v : '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A choice's stored value from its label: what answers keep when the label's words change later. */
function valueOf(label: string, taken: Set<string>, fallback: number): string {
  const base =
    label
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || `option-${fallback}`;
  let value = base;
  for (let n = 2; taken.has(value); n++) value = `${base}-${n}`;
  taken.add(value);
  return value;
}

/**
 * The offering's intake questions and exclusions as the console edits them: numbered question rows (`question_<n>_key`,
 * `_type`, `_required`, `_label_<locale>`, and for a choice `_options_<locale>`, one choice a line, the same count in
 * every language), the places it is not offered (`jurisdictions`: US-NY, MX), the inpatient exclusion and other
 * exclusions (`other_<locale>`, one a line). A question keeps its help text and, line by line, its choices' stored
 * values; a new choice's value comes from its label in the hospital's default language.
 */
export function questionsForm(tenant: ResolvedTenant, current: IntakeQuestion[]) {
  const { locales, defaultLocale } = tenant;
  const inEvery = (prefix: string) => Object.fromEntries(locales.map((l) => [`${prefix}_${l}`, field.text({ optional: true, max: 4000 })]));
  const localized = (texts: Record<string, string>): Localized => (locales.length === 1 ? texts[locales[0]] : texts);
  const missing = (l: string) =>
    locales.length > 1 ? { message: 'core.form.textIn', params: { language: new LanguageName(l) } } : { message: 'core.form.text' };
  const question = z
    .object({
      key: field.text({ max: 41, required: 'catalog.questions.keyInvalid' }).pipe(z.string().regex(KEY, 'catalog.questions.keyInvalid')),
      type: field.choice(INTAKE_QUESTION_TYPES, 'catalog.questions.chooseType'),
      required: field.checkbox(),
      ...inEvery('label'),
      ...inEvery('options'),
    })
    .superRefine(
      (row, ctx) => {
        const texts = row as Record<string, unknown>;
        for (const l of locales) if (!texts[`label_${l}`]) ctx.addIssue({ code: 'custom', path: [`label_${l}`], ...missing(l) });
        const counts = locales.map((l) => lines(texts[`options_${l}`]).length);
        if (texts.type === 'choice') {
          if (counts[0] < 2) ctx.addIssue({ code: 'custom', path: [`options_${locales[0]}`], message: 'catalog.questions.twoChoices' });
          locales.forEach((l, i) => {
            if (i > 0 && counts[i] !== counts[0])
              ctx.addIssue({
                code: 'custom',
                path: [`options_${l}`],
                message: 'catalog.questions.sameChoices',
                params: { count: counts[0] },
              });
          });
        } else if (counts.some((c) => c > 0)) {
          ctx.addIssue({ code: 'custom', path: [`options_${locales[0]}`], message: 'catalog.questions.onlyChoice' });
        }
      },
      // Checked even when the key or type is refused, so every problem of the row shows at once.
      { when: () => true },
    );
  return z
    .object({
      question: field.rows(question),
      jurisdictions: field.text({ optional: true, max: 2000 }),
      inpatients: field.checkbox(),
      ...inEvery('other'),
    })
    .superRefine(
      (form, ctx) => {
        const seen = new Set<string>();
        for (const row of Array.isArray(form.question) ? (form.question as Row[]) : []) {
          if (seen.has(row.key))
            ctx.addIssue({
              code: 'custom',
              path: ['question', String(row.index), 'key'],
              message: 'catalog.questions.keyTwice',
              params: { key: row.key },
            });
          seen.add(row.key);
        }
        const unknown = String(form.jurisdictions ?? '')
          .split(/[\s,]+/)
          .filter(Boolean)
          .filter((c) => !isJurisdiction(c.toUpperCase()));
        if (unknown.length)
          ctx.addIssue({
            code: 'custom',
            path: ['jurisdictions'],
            message: 'catalog.questions.placeUnknown',
            params: { code: unknown[0] },
          });
        const others = locales.map((l) => lines((form as Record<string, unknown>)[`other_${l}`]).length);
        locales.forEach((l, i) => {
          if (i > 0 && others[i] !== others[0])
            ctx.addIssue({ code: 'custom', path: [`other_${l}`], message: 'catalog.questions.sameLines', params: { count: others[0] } });
        });
      },
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    )
    .transform((form): { intakeQuestions: IntakeQuestion[]; exclusions: OfferingExclusions } => ({
      intakeQuestions: (form.question as Row[]).map((row) => {
        const before = current.find((q) => q.key === row.key);
        const label = localized(Object.fromEntries(locales.map((l) => [l, String(row[`label_${l}`])])));
        const q: IntakeQuestion = { key: row.key, label, type: row.type, required: row.required };
        if (before?.help !== undefined) q.help = before.help;
        if (row.type === 'choice') {
          const texts = Object.fromEntries(locales.map((l) => [l, lines(row[`options_${l}`])]));
          const taken = new Set<string>();
          q.options = texts[defaultLocale in texts ? defaultLocale : locales[0]].map((text, i) => {
            const kept = before?.type === 'choice' ? before.options?.[i]?.value : undefined;
            const value = kept && !taken.has(kept) ? (taken.add(kept), kept) : valueOf(text, taken, i + 1);
            return { value, label: localized(Object.fromEntries(locales.map((l) => [l, texts[l][i]]))) };
          });
        }
        return q;
      }),
      exclusions: {
        jurisdictions: [
          ...new Set(
            String(form.jurisdictions ?? '')
              .split(/[\s,]+/)
              .filter(Boolean)
              .map((c) => c.toUpperCase()),
          ),
        ],
        inpatients: form.inpatients,
        other: lines((form as Record<string, unknown>)[`other_${locales[0]}`]).map((_, i) =>
          localized(Object.fromEntries(locales.map((l) => [l, lines((form as Record<string, unknown>)[`other_${l}`])[i]]))),
        ),
      },
    }));
}

/** The form's values for the offering as stored: one row per question. */
export function questionValues(questions: IntakeQuestion[], exclusions: OfferingExclusions, locales: string[]): Record<string, string> {
  const text = (v: Localized | undefined, l: string) => (v === undefined ? '' : typeof v === 'string' ? v : (v[l] ?? ''));
  const values: Record<string, string> = {
    jurisdictions: exclusions.jurisdictions.join(', '),
    inpatients: exclusions.inpatients ? '1' : '',
  };
  for (const l of locales) values[`other_${l}`] = exclusions.other.map((o) => text(o, l)).join('\n');
  questions.forEach((q, i) => {
    values[`question_${i}_key`] = q.key;
    values[`question_${i}_type`] = q.type;
    values[`question_${i}_required`] = q.required ? '1' : '';
    for (const l of locales) {
      values[`question_${i}_label_${l}`] = text(q.label, l);
      values[`question_${i}_options_${l}`] = (q.options ?? []).map((o) => text(o.label, l)).join('\n');
    }
  });
  return values;
}
