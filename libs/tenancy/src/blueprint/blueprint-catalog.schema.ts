import { z } from 'zod';
import { jurisdiction, localized, money, signedMoney, slug, wholeNumber } from './blueprint-fields';

const faq = z.object({ question: localized, answer: localized }).strict();

export const specialtySchema = z
  .object({
    slug,
    name: localized,
    summary: localized,
    description: localized.optional(),
    /** What the physicians look at: "biopsy slides", "imaging", ... */
    reviewed: z.array(localized).default([]),
    faqs: z.array(faq).default([]),
  })
  .strict();

export const INTAKE_QUESTION_TYPES = ['text', 'long_text', 'yes_no', 'choice', 'date', 'number'] as const;

const intakeQuestion = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'must be lower-case letters, digits and underscores, e.g. current_treatment'),
    label: localized,
    help: localized.optional(),
    type: z.enum(INTAKE_QUESTION_TYPES, { error: `must be one of ${INTAKE_QUESTION_TYPES.join(', ')}` }),
    required: z.boolean().default(false),
    options: z.array(z.object({ value: slug, label: localized }).strict()).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.type === 'choice' && (q.options?.length ?? 0) < 2) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a choice question needs at least two options' });
    }
    if (q.type !== 'choice' && q.options)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a choice question has options' });
  });

export const offeringSchema = z
  .object({
    slug,
    specialty: slug,
    name: localized,
    description: localized,
    price: money,
    turnaround_days: wholeNumber(1, 60, 'business days'),
    follow_up_questions: wholeNumber(0, 10, 'questions').default(1),
    /** Paid extras after delivery: another follow-up question, a video consult with the specialist. Absent: not sold. */
    extra_follow_up_price: money.optional(),
    video_consult_price: money.optional(),
    /** `translation: true`: the opinion in the patient's language, offered when it differs from the hospital's default. */
    add_ons: z
      .array(
        z
          .object({ code: slug, name: localized, description: localized.optional(), price: money, translation: z.boolean().optional() })
          .strict(),
      )
      .default([]),
    intake_questions: z.array(intakeQuestion).default([]),
    exclusions: z
      .object({
        /** Where the offering is not available at all, whatever the licensure policy says. */
        jurisdictions: z.array(jurisdiction).default([]),
        inpatients: z.boolean().default(false),
        other: z.array(localized).default([]),
      })
      .strict()
      .default({ jurisdictions: [], inpatients: false, other: [] }),
  })
  .strict()
  .superRefine((o, ctx) => {
    duplicates(
      o.add_ons.map((a) => a.code),
      (i, code) => ctx.addIssue({ code: 'custom', path: ['add_ons', i, 'code'], message: `lists ${code} twice` }),
    );
    if (o.add_ons.filter((a) => a.translation).length > 1)
      ctx.addIssue({ code: 'custom', path: ['add_ons'], message: 'may have one translation add-on' });
    duplicates(
      o.intake_questions.map((q) => q.key),
      (i, key) => ctx.addIssue({ code: 'custom', path: ['intake_questions', i, 'key'], message: `lists ${key} twice` }),
    );
  });

export const PRICE_REGIONS = ['in_state', 'out_of_state', 'international'] as const;

export const priceRuleSchema = z
  .object({
    region: z.enum(PRICE_REGIONS, { error: `must be one of ${PRICE_REGIONS.join(', ')}` }),
    /** Added to every offering's price in this region; negative for a discount. */
    surcharge: signedMoney.optional(),
    surcharge_percent: z
      .number()
      .int('must be a whole percentage')
      .min(-100, 'must be between -100 and 500')
      .max(500, 'must be between -100 and 500')
      .optional(),
    note: localized.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.surcharge !== undefined && r.surcharge_percent !== undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give either surcharge or surcharge_percent, not both' });
    }
  });

/** Calls `report(index, value)` for every value seen before. */
export function duplicates<T>(values: T[], report: (index: number, value: T) => void): void {
  const seen = new Set<T>();
  values.forEach((v, i) => {
    if (seen.has(v)) report(i, v);
    seen.add(v);
  });
}
