import { z } from 'zod';
import { localized, money, slug, textSections } from './blueprint-fields';

const step = z.object({ title: localized, text: localized }).strict();

/** The home page's copy. */
export const landingSchema = z
  .object({
    hero: z.object({ title: localized, subtitle: localized.optional(), cta: localized.optional() }).strict(),
    value: z
      .object({ title: localized, points: z.array(step).min(1) })
      .strict()
      .optional(),
    /** The steps from request to opinion; shown on the home page and on /how-it-works. */
    steps: z.array(step).min(2).optional(),
    call_to_action: z.object({ title: localized, text: localized.optional(), button: localized.optional() }).strict().optional(),
  })
  .strict();

export const FAQ_TOPICS = ['general', 'pricing', 'licensure', 'records'] as const;

export const faqSchema = z
  .object({
    question: localized,
    answer: localized,
    topic: z.enum(FAQ_TOPICS, { error: `must be one of ${FAQ_TOPICS.join(', ')}` }).default('general'),
  })
  .strict();

export const testimonialSchema = z
  .object({
    quote: localized,
    /** As the patient agreed to be named: "Maria G., Joliet". Never a diagnosis they did not choose to share. */
    author: z.string().min(1).max(120),
    context: localized.optional(),
  })
  .strict();

const pageSeo = z.object({ title: localized.optional(), description: localized.optional() }).strict();

export const pagesSchema = z
  .object({
    how_it_works: z.object({ intro: localized.optional(), seo: pageSeo.optional() }).strict().optional(),
    pricing: z.object({ intro: localized.optional(), refund_policy: localized, seo: pageSeo.optional() }).strict().optional(),
    contact: z.object({ intro: localized.optional(), hours: localized.optional(), seo: pageSeo.optional() }).strict().optional(),
    privacy: z.object({ sections: textSections, seo: pageSeo.optional() }).strict().optional(),
    terms: z.object({ sections: textSections, seo: pageSeo.optional() }).strict().optional(),
  })
  .strict();

/** The site's name in search results and the home page's description. */
export const seoSchema = z.object({ title: localized.optional(), description: localized }).strict();

export const FUNDING_ACCESS = ['open', 'code', 'eligibility'] as const;

export const fundingProgramSchema = z
  .object({
    slug,
    name: localized,
    description: localized,
    sponsor: z.string().max(200).optional(),
    covers_percent: z
      .number()
      .int('must be a whole percentage')
      .min(1, 'must be between 1 and 100')
      .max(100, 'must be between 1 and 100')
      .optional(),
    covers_amount: money.optional(),
    /** The most the program pays in total; payments reserve and spend against it, never beyond. */
    budget: money,
    /** open: anyone; code: a code from the sponsor; eligibility: the patient answers eligibility questions. */
    access: z.enum(FUNDING_ACCESS, { error: `must be one of ${FUNDING_ACCESS.join(', ')}` }).default('eligibility'),
    eligibility: localized.optional(),
    /** A coordinator confirms each patient's eligibility before the case is accepted (and the fund spent). */
    review: z.boolean().default(false),
    specialty: slug.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.covers_percent === undefined) === (f.covers_amount === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give either covers_percent or covers_amount' });
    }
  });
