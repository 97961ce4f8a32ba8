import { canonicalLocale, isPlatformLocale, unsupportedLocaleMessage } from '@consilium/core';
import { z } from 'zod';
import { isJurisdiction, isUsState } from '../licensure/jurisdictions';
import { LICENSURE_ROUTES } from '../licensure/licensure-policy';

/** Field types shared by the blueprint's sections. Each message says what to write, with an example. */
export const slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/, 'must be lower-case letters, digits and hyphens, e.g. cardiology');

/** A language tag as a blueprint writes it: `en`, `fr`, `fr-CA`. */
const LOCALE_TAG = /^[a-z]{2,3}(-[A-Z]{2})?$/;

/**
 * Text once (the same in every language), or per language (`{ en: ..., fr: ... }`). Which languages it must have
 * is the blueprint's `locales` list, checked once for the whole blueprint.
 */
export const localized = z.union(
  [
    z.string().min(1, 'must not be empty'),
    z
      .record(z.string().regex(LOCALE_TAG), z.string().min(1, 'must not be empty'))
      .refine((v) => Object.keys(v).length > 0, 'must give the text in at least one language'),
  ],
  { error: 'must be text, or text per language ({ en: ..., fr: ... })' },
);

/** A language the platform has catalogs for (`fr`), or the same with a region for its formats (`fr-CA`). */
export const locale = z
  .string({ error: 'must be a language tag such as en, fr or fr-CA' })
  .transform((v) => canonicalLocale(v) ?? v)
  .refine(isPlatformLocale, { error: (issue) => unsupportedLocaleMessage(String(issue.input)) });

/** Money is whole minor units (cents): 950.00 is written 95000, so no amount is ever a float. */
export const money = z
  .number({ error: 'must be an amount in minor units (cents), e.g. 95000 for 950.00' })
  .int('must be a whole number of minor units (cents), e.g. 95000 for 950.00')
  .min(0, 'must not be negative')
  .max(100_000_000, 'must be at most 100000000 (1,000,000.00)');

export const wholeNumber = (min: number, max: number, what: string) =>
  z
    .number({ error: `must be a whole number of ${what} between ${min} and ${max}` })
    .int(`must be a whole number of ${what} between ${min} and ${max}`)
    .min(min, `must be between ${min} and ${max} ${what}`)
    .max(max, `must be between ${min} and ${max} ${what}`);

/** A file under the blueprint's assets/ folder. */
export const assetPath = z
  .string()
  .regex(
    /^assets\/[a-z0-9][a-z0-9._-]{0,80}\.(svg|png|jpg|jpeg|webp|ico)$/,
    'must be a file in assets/, e.g. assets/logo.svg (lower-case name; svg, png, jpg, webp or ico)',
  );

export const jurisdiction = z
  .string({ error: 'must be a US state written as US-XX (e.g. US-IL) or a country code (e.g. MX)' })
  .refine(isJurisdiction, 'must be a US state written as US-XX (e.g. US-IL) or a country code (e.g. MX)');

export const usState = z
  .string({ error: 'must be a US state written as US-XX, e.g. US-IL' })
  .refine(isUsState, 'must be a US state written as US-XX, e.g. US-IL');

export const licensureRoute = z.enum(LICENSURE_ROUTES, { error: `must be one of ${LICENSURE_ROUTES.join(', ')}` });

/** `2027-06-30`: a real calendar date. */
export const isoDate = z
  .string({ error: 'must be a date written as YYYY-MM-DD' })
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'must be a date written as YYYY-MM-DD',
  );

/** Headed sections of plain text; blank lines in a body separate paragraphs. No HTML: the page escapes it all. */
export const textSections = z.array(z.object({ heading: localized, body: localized }).strict()).min(1);
