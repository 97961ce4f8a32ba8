import {
  canonicalLocale,
  currencyDigits,
  isCalendarDate,
  isPlatformLocale,
  minorToDecimal,
  parseAmount,
  unsupportedLocaleMessage,
} from '@consilium/core';
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

/**
 * An amount written `<key>_minor: 95000` (whole minor units): the loader moves it under `<key>` wrapped in this, so the
 * money field knows it was meant as minor units and not as a bare number.
 */
export class MinorUnits {
  constructor(readonly value: unknown) {}
}

let parsingCurrency = 'USD';

/**
 * Runs a parse of blueprint content with `currency` as the hospital's currency, which says how many decimals an
 * amount such as "950.00" may have (USD 2, JPY 0). zod parses synchronously, so the setting cannot leak into another.
 */
export function parseInCurrency<T>(currency: unknown, parse: () => T): T {
  const before = parsingCurrency;
  parsingCurrency = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  try {
    return parse();
  } finally {
    parsingCurrency = before;
  }
}

/** `<key>` in a money message is replaced by the field's own name when the problem is reported. */
export const MONEY_KEY = '<key>';

function moneyField(allowNegative: boolean) {
  const limit = 100_000_000;
  return z.any().transform((value: unknown, ctx): number => {
    const currency = parsingCurrency;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const forms = () => `${MONEY_KEY}: "${minorToDecimal(95000, safeCurrency(currency))}" or ${MONEY_KEY}_minor: 95000`;
    let minor: number | undefined;
    if (value instanceof MinorUnits) {
      if (typeof value.value !== 'number' || !Number.isInteger(value.value)) {
        return fail(`${MONEY_KEY}_minor must be a whole number of minor units, e.g. ${MONEY_KEY}_minor: 95000 for 950.00`);
      }
      minor = value.value;
    } else if (typeof value === 'number') {
      // YAML reads `900.00` as the number 900: there is no telling whether dollars or cents were meant.
      return fail(`write the amount as text in ${currency} or in minor units with an explicit key: ${forms()}`);
    } else if (typeof value === 'string') {
      minor = parseAmount(value.trim(), safeCurrency(currency));
      if (minor === undefined) {
        return fail(`"${value}" is not an amount in ${currency} (at most ${currencyDigits(safeCurrency(currency))} decimals): ${forms()}`);
      }
    } else if (value === undefined || value === null) {
      return fail('is required');
    } else {
      return fail(`must be an amount: ${forms()}`);
    }
    if (!allowNegative && minor < 0) return fail('must not be negative');
    if (Math.abs(minor) > limit) return fail(`must be at most ${minorToDecimal(limit, safeCurrency(currency))}`);
    return minor;
  });
}

function safeCurrency(currency: string): string {
  try {
    currencyDigits(currency);
    return currency;
  } catch {
    return 'USD';
  }
}

/**
 * Money in a blueprint is text in the hospital's currency (`price: "950.00"`) or whole minor units under an explicit
 * key (`price_minor: 95000`); parsed, it is always whole minor units, so no amount is ever a float. A bare YAML
 * number is refused: `900.00` reads as 900, which would silently become 9.00.
 */
export const money = moneyField(false);
/** The same, and below zero for a discount (a price rule's surcharge). */
export const signedMoney = moneyField(true);

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
export const isoDate = z.string({ error: 'must be a date written as YYYY-MM-DD' }).refine(isCalendarDate, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a date: write a real day as YYYY-MM-DD, e.g. 2027-06-30`,
});

/** Headed sections of plain text; blank lines in a body separate paragraphs. No HTML: the page escapes it all. */
export const textSections = z.array(z.object({ heading: localized, body: localized }).strict()).min(1);
