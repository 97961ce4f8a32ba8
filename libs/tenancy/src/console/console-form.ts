import { amountText, currencyDigits, parseAmount } from '@consilium/core';
import { z } from 'zod';
import type { Localized } from '../branding';

/** A submitted form: text fields, repeated fields, and (multipart forms) a file as `{ filename, bytes }`. */
export type FormBody = Record<string, string | string[] | object | undefined>;

/**
 * @deprecated Use core's `parseForm` with `field.*` (keys, not English; the page flow shows the form again). Kept
 * for the libs not yet converted.
 *
 * Reads an editor's form field by field, collecting one message per field, so the page can be shown again with
 * every value as typed and every problem beside its field. The consoles' forms are flat (`addon_0_price`,
 * `title_es`) so they work without JavaScript; rows are numbered and a blank row is how a new one is added.
 */
export class ConsoleForm {
  readonly errors: Record<string, string> = {};

  constructor(readonly body: FormBody) {}

  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  fail(key: string, message: string): void {
    this.errors[key] ??= message;
  }

  text(key: string): string {
    const value = this.body[key];
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first.trim() : '';
  }

  all(key: string): string[] {
    const value = this.body[key];
    const list = Array.isArray(value) ? value : [value];
    return list
      .filter((v): v is string => typeof v === 'string')
      .map((v) => v.trim())
      .filter(Boolean);
  }

  checked(key: string): boolean {
    return this.text(key) !== '';
  }

  /** The value through `schema`; on failure, its first message is the field's error. */
  field<T>(key: string, schema: z.ZodType<T>, value: unknown = this.text(key)): T | undefined {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.fail(key, parsed.error.issues[0]?.message ?? 'Check this field.');
    return undefined;
  }

  /** A whole number typed by a person (`3`), between `min` and `max`. */
  whole(key: string, min: number, max: number, what: string, options: { optional?: boolean } = {}): number | undefined {
    const raw = this.text(key);
    if (!raw && options.optional) return undefined;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.fail(key, `Enter a whole number of ${what} between ${min} and ${max}.`);
      return undefined;
    }
    return Number(raw);
  }

  /**
   * An amount typed in the currency's major unit (`950` or `950.00`), returned in minor units, so nobody has to
   * count cents. Negative amounts only where asked (a discount).
   */
  amount(key: string, currency: string, options: { optional?: boolean; negative?: boolean } = {}): number | undefined {
    const raw = this.text(key).replace(/,/g, '');
    if (!raw && options.optional) return undefined;
    const minor = parseAmount(raw, currency);
    if (minor === undefined) {
      this.fail(key, `Enter an amount such as ${example(currency)}.`);
      return undefined;
    }
    if (minor < 0 && !options.negative) {
      this.fail(key, 'The amount must not be negative.');
      return undefined;
    }
    if (Math.abs(minor) > 100_000_000) {
      this.fail(key, 'The amount is too large.');
      return undefined;
    }
    return minor;
  }

  /** Text per language (`key_en`, `key_es`): one string when the site has one language, else `{ en, es }`. */
  localized(key: string, locales: string[], options: { optional?: boolean; max?: number } = {}): Localized | undefined {
    const max = options.max ?? 2000;
    const values = Object.fromEntries(locales.map((l) => [l, this.text(`${key}_${l}`)]));
    const given = locales.filter((l) => values[l]);
    if (!given.length && options.optional) return undefined;
    for (const l of locales) {
      if (!values[l])
        this.fail(`${key}_${l}`, locales.length > 1 ? `Enter this text in ${ENGLISH_NAMES.of(l) ?? l} too.` : 'Enter this text.');
      else if (values[l].length > max) this.fail(`${key}_${l}`, `Keep this under ${max} characters.`);
    }
    if (given.length !== locales.length) return undefined;
    return locales.length === 1 ? values[locales[0]] : { ...values };
  }

  /** Row numbers present in the form for `prefix` (`addon_0_code`, `addon_3_name_en` -> [0, 3]). */
  rows(prefix: string): number[] {
    const found = new Set<number>();
    const pattern = new RegExp(`^${prefix}_(\\d{1,3})_`);
    for (const key of Object.keys(this.body)) {
      const m = pattern.exec(key);
      if (m) found.add(Number(m[1]));
    }
    return [...found].sort((a, b) => a - b);
  }

  /** True when every field of a row is empty: the blank row left for adding one. */
  blankRow(prefix: string, index: number): boolean {
    return Object.keys(this.body)
      .filter((k) => k.startsWith(`${prefix}_${index}_`))
      .every((k) => this.text(k) === '' || k.endsWith('_remove'));
  }
}

const ENGLISH_NAMES = new Intl.DisplayNames(['en'], { type: 'language' });

/** @deprecated Moved to core (`parseAmount`, `amountText`); re-exported for unconverted libs. */
export { amountText, parseAmount };

function example(currency: string): string {
  return currencyDigits(currency) ? '950.00' : '950';
}

/** Form values for a localized text: `{ key_en: ..., key_es: ... }`. */
export function localizedFields(key: string, value: Localized | undefined, locales: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of locales) {
    out[`${key}_${l}`] =
      value === undefined ? '' : typeof value === 'string' ? value : ((value as Record<string, string | undefined>)[l] ?? '');
  }
  return out;
}

/** @deprecated Core's `typedValues` (lists kept as lists). The body as strings, lists joined (never the CSRF token). */
export function typedValues(body: FormBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (k === '_csrf') continue;
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join(',');
  }
  return out;
}

/** The language fields of a localized text, for templates: `[{ locale, name, label }]`. */
export function languageFields(key: string, locales: string[]): { locale: string; name: string }[] {
  return locales.map((locale) => ({ locale, name: `${key}_${locale}` }));
}
