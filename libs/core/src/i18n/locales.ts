/**
 * The languages the platform ships its own words in. A tenant chooses a subset (`locales:` in its blueprint); its
 * default locale is served at `/`, every other one under a prefix (`/es/pricing`), so each page has one URL per
 * language that search engines can list (hreflang) and people can share.
 */
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

/** `/pricing` in `es` for a tenant whose default is `en` -> `/es/pricing`; the default locale has no prefix. */
export function localizedPath(path: string, locale: string, defaultLocale: string): string {
  if (locale === defaultLocale) return path;
  return path === '/' ? `/${locale}` : `/${locale}${path}`;
}
