import { languageOf } from '@consilium/core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a patient lives or a physician is licensed: a US state as ISO 3166-2 (`US-IL`) or a country as ISO 3166-1
 * alpha-2 (`MX`). The `US-` prefix keeps Illinois (`US-IL`) apart from Israel (`IL`).
 *
 * US states' names per language are `i18n/<lang>.json` beside this file (`state.NY`), one per platform language
 * (the catalog test holds them complete), also registered with the translator as `jurisdictions.state.NY` so pages
 * listing them read as words of their language. Countries are named by Intl.
 */
export const JURISDICTION_CATALOGS = path.join(__dirname, 'i18n');

const stateNames = new Map<string, Record<string, string>>();

/** The state names in `language`, or English for a language without a catalog. */
function statesIn(language: string): Record<string, string> {
  let names = stateNames.get(language);
  if (!names) {
    const file = path.join(JURISDICTION_CATALOGS, `${language}.json`);
    names = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { state: Record<string, string> }).state : statesIn('en');
    stateNames.set(language, names);
  }
  return names;
}

/**
 * Region codes Intl knows that are not countries today: groupings, codes ISO 3166 withdrew (transitionally reserved:
 * the Soviet Union, Yugoslavia, East Germany, Zaire…) and codes exceptionally reserved for other uses (Ascension,
 * Ceuta and Melilla, `UK`…), which ISO lists under a current country's code.
 */
const NOT_COUNTRIES = new Set([
  'EU',
  'EZ',
  'UN',
  'QO',
  'ZZ',
  'XA',
  'XB',
  'AN',
  'BU',
  'CS',
  'DD',
  'DY',
  'FX',
  'HV',
  'NH',
  'RH',
  'SU',
  'TP',
  'VD',
  'YD',
  'YU',
  'ZR',
  'AC',
  'CP',
  'CQ',
  'DG',
  'EA',
  'IC',
  'TA',
  'UK',
]);
const regionNames = new Map<string, Intl.DisplayNames>();

function displayNames(locale: string): Intl.DisplayNames {
  let names = regionNames.get(locale);
  if (!names) regionNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })));
  return names;
}

export function isUsState(code: string): boolean {
  return /^US-[A-Z]{2}$/.test(code) && Object.prototype.hasOwnProperty.call(statesIn('en'), code.slice(3));
}

/** A country other than the United States (whose patients are identified by state). */
export function isCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code !== 'US' && !NOT_COUNTRIES.has(code) && displayNames('en').of(code) !== undefined;
}

export function isJurisdiction(code: string): boolean {
  return isUsState(code) || isCountry(code);
}

/** `US-NY` -> "New York" / "Nueva York"; `US-NC` -> "Caroline du Nord"; `MX` -> "Mexico" / "México" / "Mexique". */
export function jurisdictionName(code: string, locale = 'en'): string {
  if (code.startsWith('US-')) return statesIn(languageOf(locale) ?? 'en')[code.slice(3)] ?? statesIn('en')[code.slice(3)] ?? code;
  return displayNames(locale).of(code) ?? code;
}

/** Sorted by their name in `locale`. */
export function sortJurisdictions(codes: Iterable<string>, locale = 'en'): string[] {
  return [...new Set(codes)].sort((a, b) => jurisdictionName(a, locale).localeCompare(jurisdictionName(b, locale), locale));
}

/** "Illinois, Indiana and Wisconsin" / "Illinois, Indiana y Wisconsin". */
export function listJurisdictions(codes: Iterable<string>, locale = 'en'): string {
  const names = sortJurisdictions(codes, locale).map((c) => jurisdictionName(c, locale));
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
}
