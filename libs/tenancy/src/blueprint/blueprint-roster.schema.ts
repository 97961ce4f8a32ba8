import { z } from 'zod';
import { assetPath, isoDate, jurisdiction, localized, money, slug, wholeNumber } from './blueprint-fields';
import { duplicates } from './blueprint-catalog.schema';

export const physicianSchema = z
  .object({
    slug,
    name: z.string().min(1, 'must not be empty').max(200),
    /** "MD, PhD" */
    credentials: z.string().max(100).default(''),
    title: localized,
    photo: assetPath.optional(),
    bio: localized,
    specialties: z.array(slug).min(1, 'must list at least one specialty'),
    licenses: z
      .array(z.object({ jurisdiction, number: z.string().min(1, 'must not be empty').max(60), expires: isoDate }).strict())
      .default([]),
    accepting_new_cases: z.boolean().default(true),
    weekly_capacity: wholeNumber(0, 100, 'cases'),
    /** Paid to the physician per delivered opinion, in minor units. */
    stipend: money,
    featured: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    duplicates(
      p.licenses.map((l) => l.jurisdiction),
      (i, j) => ctx.addIssue({ code: 'custom', path: ['licenses', i, 'jurisdiction'], message: `lists a license in ${j} twice` }),
    );
    duplicates(p.specialties, (i, s) => ctx.addIssue({ code: 'custom', path: ['specialties', i], message: `lists ${s} twice` }));
  });
