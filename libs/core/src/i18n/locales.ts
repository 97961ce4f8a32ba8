import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Languages are data. A platform language is one core has a catalog for (`libs/core/src/views/i18n/<lang>.json`);
 * the completeness test makes every lib follow. A hospital may enable a platform language (`fr`) or the same with
 * a region for its formats (`fr-CA`: French words, Canadian dates, numbers and money). Nothing else in the code
 * lists languages: adding one is adding catalog files.
 */
const CORE_CATALOGS = path.join(__dirname, '..', 'views', 'i18n');

/** `fr`, `es`, `fr-CA`, `qps` (private-use, the pseudo-locale): a language subtag, optionally a region. */
const TAG = /^([a-z]{2,3})(?:-([A-Z]{2}|\d{3}))?$/;

/** The generated pseudo-locale (accented, ~30% longer English; see pseudo-locale.ts). Private use, never shipped. */
export const PSEUDO_LOCALE = 'qps';

let pseudo = false;
let known: string[] | undefined;

/** Turns the pseudo-locale on for this process (tests): it becomes a platform language like any catalog. */
export function enablePseudoLocale(): void {
  pseudo = true;
  known = undefined;
}

export function pseudoLocaleEnabled(): boolean {
  return pseudo;
}

/** The platform's languages, from core's catalogs: `['en', 'es', 'fr']` (and the pseudo-locale when on). */
export function platformLocales(): readonly string[] {
  if (!known) {
    const files = readdirSync(CORE_CATALOGS).filter((f) => f.endsWith('.json'));
    known = files.map((f) => f.slice(0, -5)).sort((a, b) => (a === 'en' ? -1 : b === 'en' ? 1 : a.localeCompare(b)));
    if (pseudo) known.push(PSEUDO_LOCALE);
  }
  return known;
}

/** `fr-CA` -> `fr`; a malformed tag -> undefined. */
export function languageOf(tag: string): string | undefined {
  return TAG.exec(tag)?.[1];
}

/** `fr-ca` -> `fr-CA`: the spelling used everywhere (cookies, `?lang=`, `<html lang>`). */
export function canonicalLocale(tag: string): string | undefined {
  const [language, region] = tag.trim().split(/[-_]/);
  const canonical = region ? `${language?.toLowerCase()}-${region.toUpperCase()}` : language?.toLowerCase();
  return canonical && TAG.test(canonical) ? canonical : undefined;
}

/** Whether a hospital may enable this tag: a platform language, with or without a region. */
export function isPlatformLocale(tag: unknown): tag is string {
  if (typeof tag !== 'string') return false;
  const language = languageOf(tag);
  return !!language && platformLocales().includes(language);
}

/**
 * The message for an unsupported language, said once for the list (blueprints, the operator's wizard): it names
 * the languages that exist, so the fix is obvious.
 */
export function unsupportedLocaleMessage(tag: string): string {
  return `${tag} is not a platform language: use one of ${platformLocales().join(', ')} (optionally with a region, e.g. fr-CA)`;
}

/**
 * The best of `supported` for a request: the explicit choice (`?lang=`, the cookie), then Accept-Language (an
 * exact tag first, then the same language), then the fallback.
 */
export function negotiateLocale(options: { explicit?: string; acceptLanguage?: string; supported: string[]; fallback: string }): string {
  const { explicit, acceptLanguage, supported, fallback } = options;
  const exact = (tag: string | undefined) => (tag ? supported.find((s) => s.toLowerCase() === tag.toLowerCase()) : undefined);
  const sameLanguage = (tag: string) => supported.find((s) => languageOf(s) === languageOf(canonicalLocale(tag) ?? ''));
  const chosen = exact(explicit);
  if (chosen) return chosen;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const match = exact(tag) ?? sameLanguage(tag);
    if (match) return match;
  }
  return supported.includes(fallback) ? fallback : (supported[0] ?? 'en');
}

/**
 * A page's address in a language: `/pricing` in the tenant's default language, `/pricing?lang=es` in another. The
 * language comes from `?lang=`, then the cookie it leaves, then Accept-Language (the tenancy middleware), so the
 * default-language address is what a crawler (no cookie, no Accept-Language) reads in that language, and every
 * other language has an address of its own for hreflang and the sitemap.
 */
export function localizedPath(path: string, locale: string, defaultLocale: string): string {
  return locale === defaultLocale ? path : withLang(path, locale);
}

/** `path` with `lang=<locale>` added to its query: what a language switch links to (it must beat the cookie). */
export function withLang(path: string, locale: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${locale}`;
}

/** A `lang=` cookie's value, as the middleware and the page cache read it. */
export const LANG_COOKIE_PATTERN = /(?:^|;\s*)lang=([a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,3})?)/;

const formatsOf = new Map<string, { name: string; formats: string }>();

/** What core's catalog says of its language: its own name ("Français") and its default formats ("fr-FR"). */
function describe(language: string): { name: string; formats: string } {
  let found = formatsOf.get(language);
  if (!found) {
    if (language === PSEUDO_LOCALE) found = { name: 'Ƥšéûðö', formats: 'en-US' };
    else {
      try {
        const { locale } = JSON.parse(readFileSync(path.join(CORE_CATALOGS, `${language}.json`), 'utf8')) as {
          locale?: { name?: string; formats?: string };
        };
        found = { name: locale?.name ?? language, formats: locale?.formats ?? language };
      } catch {
        found = { name: language, formats: language };
      }
    }
    formatsOf.set(language, found);
  }
  return found;
}

/**
 * The tag Intl formats with: a region given by the hospital wins (`fr-CA`), else the language's default from its
 * catalog (`es` -> `es-US`, since the programs serve patients in and around the US).
 */
export function intlLocale(tag: string): string {
  const language = languageOf(tag);
  if (!language) return 'en-US';
  return tag.includes('-') ? tag : describe(language).formats;
}

/** The language's name in itself, for the language switch: `Español`, `Français`. */
export function languageName(tag: string): string {
  const language = languageOf(tag);
  return language ? describe(language).name : tag;
}

/** OpenGraph writes locales with an underscore: `fr_CA`. */
export function ogLocale(tag: string): string {
  return intlLocale(tag).replace('-', '_');
}
