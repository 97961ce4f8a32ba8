import type { Localized } from '../branding';

/** Form values for a localized text: `{ key_en: ..., key_es: ... }`. */
export function localizedFields(key: string, value: Localized | undefined, locales: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of locales) {
    out[`${key}_${l}`] =
      value === undefined ? '' : typeof value === 'string' ? value : ((value as Record<string, string | undefined>)[l] ?? '');
  }
  return out;
}

/** The language fields of a localized text, for templates: `[{ locale, name, label }]`. */
export function languageFields(key: string, locales: string[]): { locale: string; name: string }[] {
  return locales.map((locale) => ({ locale, name: `${key}_${locale}` }));
}
