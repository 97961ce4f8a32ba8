import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const SUPPORTED_LOCALES = ['en', 'es'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

type Catalog = Record<string, string>;

/**
 * UI text in English and Spanish. Each lib keeps `i18n/en.json` and `i18n/es.json` beside its views and registers
 * them under a namespace; keys are `namespace.dotted.key`. A missing Spanish string falls back to English, and a
 * missing key shows itself (so a test notices) rather than an empty string.
 */
@Injectable()
export class Translator {
  private readonly catalogs: Record<string, Catalog> = { en: {}, es: {} };

  register(namespace: string, dir: string): void {
    for (const locale of SUPPORTED_LOCALES) {
      const file = path.join(dir, `${locale}.json`);
      if (!existsSync(file)) continue;
      flatten(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, `${namespace}.`, this.catalogs[locale]);
    }
  }

  t(key: string, locale: string, vars: Record<string, unknown> = {}): string {
    const text = this.catalogs[locale]?.[key] ?? this.catalogs.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (vars[name] === undefined ? whole : argumentText(vars[name])));
  }

  has(key: string): boolean {
    return key in this.catalogs.en;
  }
}

function flatten(tree: Record<string, unknown>, prefix: string, into: Catalog): void {
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') into[`${prefix}${key}`] = value;
    else if (value && typeof value === 'object') flatten(value as Record<string, unknown>, `${prefix}${key}.`, into);
  }
}

/** The best of `supported` for a request: explicit choice, then Accept-Language, then the fallback. */
export function negotiateLocale(options: { explicit?: string; acceptLanguage?: string; supported: string[]; fallback: string }): string {
  const { explicit, acceptLanguage, supported, fallback } = options;
  if (explicit && supported.includes(explicit)) return explicit;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: tag.toLowerCase().split('-')[0], q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((x) => x.lang && x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.find((r) => supported.includes(r.lang))?.lang ?? (supported.includes(fallback) ? fallback : (supported[0] ?? 'en'));
}

/**
 * A `{name}` argument as text. Arguments are strings and numbers (dates and money arrive formatted); anything else
 * is a caller's mistake, shown as JSON rather than "[object Object]".
 */
function argumentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}
