/** Formatting tables per platform language; SUPPORTED_LOCALES and Locale live with the Translator. */
import { Locale, SUPPORTED_LOCALES } from './translator';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** For Intl formatting: US Spanish, since the programs serve patients in and around the US. */
export const INTL_LOCALE: Record<Locale, string> = { en: 'en-US', es: 'es-US' };

/** OpenGraph writes locales with an underscore. */
export const OG_LOCALE: Record<Locale, string> = { en: 'en_US', es: 'es_US' };

/** Names of the languages in themselves, for the language switch. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

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
