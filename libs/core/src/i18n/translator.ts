import { Injectable, Logger, Optional } from '@nestjs/common';
import IntlMessageFormat, { Formatters } from 'intl-messageformat';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../config/config';
import { intlLocale, languageOf, PSEUDO_LOCALE, pseudoLocaleEnabled } from './locales';
import { pseudoMessage } from './pseudo-locale';

/** A language named in the reader's language when the message is formatted: "Enter this text in Spanish too." */
export class LanguageName {
  constructor(readonly tag: string) {}
}

/** A size in bytes, written in the reader's units when the message is formatted: "8 MB", "8 Mo", "500 bytes". */
export class ByteSize {
  constructor(readonly bytes: number) {}
}

/** What a message's arguments may be: ICU formats numbers, dates (a Date) and plurals by the locale. */
export type MessageValue = string | number | boolean | Date | LanguageName | ByteSize | null | undefined;
export type MessageValues = Record<string, MessageValue>;

/**
 * Words by key, not English: what InvalidInput, domain errors and presenters carry, translated only when a page,
 * an email or a JSON answer is written in someone's language.
 */
export interface MessageRef {
  key: string;
  values?: MessageValues;
}

/** A catalog key with its arguments: `msg('identity.signUp.emailTaken')`. */
export function msg(key: string, values?: MessageValues): MessageRef {
  return values ? { key, values } : { key };
}

export function isMessageRef(value: unknown): value is MessageRef {
  return !!value && typeof value === 'object' && typeof (value as MessageRef).key === 'string';
}

/** A key the catalogs do not have, or a message its arguments do not fit: in tests, a failure. */
export class MissingMessage extends Error {
  override name = 'MissingMessage';
}

export const DEFAULT_LOCALE = 'en';

/**
 * ICU MessageFormat (intl-messageformat) over one catalog per lib: `libs/<lib>/src/views/i18n/<locale>.json`,
 * registered under the lib's namespace by ViewRenderer.registerViews, keys `namespace.dotted.key`. A locale with a
 * region (`fr-CA`) reads its language's catalog and formats with its region. Compiled messages are cached per
 * (locale, key). A key missing from a locale fails in tests and, in production, falls back to English and logs the
 * key once (never the values: they may be someone's data).
 */
@Injectable()
export class Translator {
  private readonly logger = new Logger('Translator');
  /** locale -> key -> ICU source */
  private readonly catalogs = new Map<string, Map<string, string>>();
  private readonly compiled = new Map<string, IntlMessageFormat>();
  private readonly reported = new Set<string>();
  private readonly strict: boolean;

  constructor(@Optional() config?: AppConfig) {
    this.strict = (config?.raw.NODE_ENV ?? process.env.NODE_ENV) === 'test';
  }

  /** Reads `dir/<locale>.json` for every locale present (and derives the pseudo-locale from `en` when it is on). */
  register(namespace: string, dir: string): void {
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.json')) continue;
      const locale = file.slice(0, -5);
      flatten(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>, `${namespace}.`, this.catalog(locale));
    }
    if (pseudoLocaleEnabled()) {
      const pseudo = this.catalog(PSEUDO_LOCALE);
      for (const [key, text] of this.catalog(DEFAULT_LOCALE)) if (key.startsWith(`${namespace}.`)) pseudo.set(key, pseudoMessage(text));
    }
    this.compiled.clear();
  }

  /** `t('identity.signIn.title', 'es')`, `t('core.form.tooLong', 'fr-CA', { max: 200 })`. */
  t(key: string, locale: string, values: MessageValues | Record<string, unknown> = {}, options: { timeZone?: string } = {}): string {
    const format = this.compile(key, locale);
    if (!format) return key;
    timeZone = options.timeZone;
    try {
      return String(format.format(resolved(values, locale)));
    } catch (error) {
      return this.fail(
        `${locale}:${key}:format`,
        `message ${key} (${locale}) does not fit its arguments: ${(error as Error).message}`,
        key,
      );
    } finally {
      timeZone = undefined;
    }
  }

  /** A MessageRef in a language; a plain string (an unconverted lib's English) is shown as it is. */
  message(ref: MessageRef | string, locale: string, options: { timeZone?: string } = {}): string {
    return typeof ref === 'string' ? ref : this.t(ref.key, locale, ref.values, options);
  }

  /** Several at once, as a form's problems: `{ email: ref }` -> `{ email: 'Saisissez…' }`. */
  messages(refs: Record<string, MessageRef | string> | undefined, locale: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [field, ref] of Object.entries(refs ?? {})) out[field] = this.message(ref, locale);
    return out;
  }

  /** Whether English has the key (every locale must, the completeness test checks). */
  has(key: string, locale = DEFAULT_LOCALE): boolean {
    return this.catalogs.get(locale)?.has(key) ?? false;
  }

  /** Locales with at least one catalog registered. */
  locales(): string[] {
    return [...this.catalogs.keys()];
  }

  /** One locale's messages as registered (ICU source), for the completeness test and the leak detector. */
  entries(locale: string): ReadonlyMap<string, string> {
    return this.catalogs.get(locale) ?? new Map();
  }

  private compile(key: string, locale: string): IntlMessageFormat | undefined {
    const cacheKey = `${locale}\u0000${key}`;
    const cached = this.compiled.get(cacheKey);
    if (cached) return cached;
    const language = languageOf(locale) ?? DEFAULT_LOCALE;
    let source = this.catalogs.get(locale)?.get(key) ?? this.catalogs.get(language)?.get(key);
    if (source === undefined) {
      const english = this.catalogs.get(DEFAULT_LOCALE)?.get(key);
      if (english === undefined) {
        this.fail(`missing:${key}`, `no message ${key} in any catalog`, key);
        return undefined;
      }
      this.fail(`${language}:${key}`, `message ${key} is missing from the ${language} catalog; showing English`, key);
      source = english;
    }
    let format: IntlMessageFormat;
    try {
      format = new IntlMessageFormat(source, intlLocale(locale), undefined, { formatters, ignoreTag: true });
    } catch (error) {
      this.fail(`${locale}:${key}:syntax`, `message ${key} (${locale}) is not valid ICU: ${(error as Error).message}`, key);
      return undefined;
    }
    this.compiled.set(cacheKey, format);
    return format;
  }

  /** Tests fail on it; production says it once (the key, never values) and carries on. */
  private fail(once: string, problem: string, key: string): string {
    if (this.strict) throw new MissingMessage(problem);
    if (!this.reported.has(once)) {
      this.reported.add(once);
      this.logger.warn({ key }, problem);
    }
    return key;
  }

  private catalog(locale: string): Map<string, string> {
    let catalog = this.catalogs.get(locale);
    if (!catalog) this.catalogs.set(locale, (catalog = new Map<string, string>()));
    return catalog;
  }
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/**
 * Binary multiples (what file systems show), in the locale's unit words: 1 KB is 1024 bytes, "8 Mo" in French. What a
 * ByteSize argument becomes in a message, and the one way a size is written anywhere else (a record's size).
 */
export function byteSize(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: 1,
  }).format(value);
}

/** Values ICU cannot format itself, made text in the message's language. */
function resolved(values: Record<string, unknown>, locale: string): Record<string, string | number | boolean | Date | null | undefined> {
  const out: Record<string, string | number | boolean | Date | null | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value instanceof LanguageName) out[name] = displayLanguage(value.tag, locale);
    else if (value instanceof ByteSize) out[name] = byteSize(value.bytes, locale);
    else if (
      value === null ||
      value === undefined ||
      value instanceof Date ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    )
      out[name] = value;
    else out[name] = argumentText(value);
  }
  return out;
}

/**
 * Any other argument as text: a Handlebars SafeString by its own text; anything else is a caller's mistake, shown as
 * JSON rather than "[object Object]".
 */
function argumentText(value: unknown): string {
  const own = (value as { toString?: unknown }).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString) return String(own.call(value));
  return JSON.stringify(value) ?? '';
}

function displayLanguage(tag: string, locale: string): string {
  try {
    return new Intl.DisplayNames([intlLocale(locale)], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

function flatten(tree: Record<string, unknown>, prefix: string, into: Map<string, string>): void {
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') into.set(`${prefix}${key}`, value);
    else if (value && typeof value === 'object') flatten(value as Record<string, unknown>, `${prefix}${key}.`, into);
  }
}

/**
 * Dates in the hospital's time zone: ICU's `{when, date, medium}` has no time zone argument, so the one given to
 * `t()` is read here while that one (synchronous) call formats. Formatters are built once per locale and options.
 */
let timeZone: string | undefined;
const built = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>();
function once<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>(key: string, make: () => T): T {
  let found = built.get(key) as T | undefined;
  if (!found) built.set(key, (found = make()));
  return found;
}
const formatters: Formatters = {
  getNumberFormat: (locales, options) =>
    once(`n${JSON.stringify([locales, options])}`, () => new Intl.NumberFormat(locales, options as Intl.NumberFormatOptions)),
  getPluralRules: (locales, options) => once(`p${JSON.stringify([locales, options])}`, () => new Intl.PluralRules(locales, options)),
  getDateTimeFormat: (locales, options) => {
    const zoned = { ...options, timeZone: options?.timeZone ?? timeZone };
    return once(`d${JSON.stringify([locales, zoned])}`, () => new Intl.DateTimeFormat(locales, zoned));
  },
};
