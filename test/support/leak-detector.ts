import { PREFERRED_LANGUAGES } from '@consilium/cases';
import { intlLocale, languageName, languageOf, platformLocales, Translator } from '@consilium/core';
import { isPluralElement, isSelectElement, MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { WebClient, WebTarget } from './web-client';

/**
 * The English-leak detector: every word a person can read on a page (text, `<title>`, `alt`, `aria-label`, `title`,
 * `placeholder`, a button's `value`) must come from the page locale's catalogs, from what Intl writes in that
 * locale (months, weekdays, currency signs, language names), or from data the test names (the hospital's own
 * content, people's names). A word from no catalog of the locale is a leak: hard-coded English, or another
 * language's catalog (the report says which). Text inside `translate="no"` or `<code>` is data by declaration.
 *
 * Words, not sentences: a leaked English sentence is caught as soon as one of its words is not the page
 * language's, and on the pseudo-locale (every catalog word accented) any English at all is caught.
 */
export interface LeakOptions {
  locale: string;
  translator: Translator;
  /** Data shown on the page: names, the hospital's own text (from its blueprint), addresses. */
  allow?: string[];
}

export interface Leak {
  word: string;
  /** The visible text it was found in. */
  text: string;
  /** Other locales whose catalogs have the word ([] = no catalog: hard-coded text). */
  from: string[];
}

export function findLeaks(html: string, options: LeakOptions): Leak[] {
  const own = vocabulary(options.translator, options.locale);
  const allowed = new Set((options.allow ?? []).flatMap(words));
  const leaks: Leak[] = [];
  for (const text of visibleTexts(html)) {
    for (const word of words(text)) {
      if (own.has(word) || allowed.has(word)) continue;
      const from = options.translator.locales().filter((l) => l !== options.locale && vocabulary(options.translator, l).has(word));
      leaks.push({ word, text, from });
    }
  }
  return leaks;
}

/** Fails with every leak listed: the word, where it was, and whose catalog it belongs to. */
export function expectNoLeaks(html: string, options: LeakOptions & { page?: string }): void {
  const leaks = findLeaks(html, options);
  if (!leaks.length) return;
  const lines = leaks.map(
    (l) => `  "${l.word}" in "${l.text.slice(0, 120)}" (${l.from.length ? `from the ${l.from.join('/')} catalog` : 'in no catalog'})`,
  );
  throw new Error(`${options.page ?? 'page'} in ${options.locale} shows words of another language:\n${[...new Set(lines)].join('\n')}`);
}

/** A visitor of `host` who chose `locale` (the language cookie the site's language switch sets). */
export function readerIn(app: WebTarget, host: string, locale: string): WebClient {
  const client = new WebClient(app, host);
  client.cookies.set('lang', locale);
  return client;
}

/**
 * The leak suites' check of one page: it answered `status`, says it is in `locale`, and shows no word of another
 * language (`allow`: the page's data). `what` names the page in a failure.
 */
export function expectPageIn(
  page: { status: number; text: string },
  locale: string,
  expected: { status: number; what: string; translator: Translator; allow: string[] },
): void {
  const { status, what } = expected;
  expect({ what, status: page.status }).toEqual({ what, status });
  expect(page.text).toContain(`<html lang="${locale}">`);
  expectNoLeaks(page.text, { locale, translator: expected.translator, allow: expected.allow, page: what });
}

/** The text a person sees or hears: text nodes and the attributes screen readers and browsers show. */
export function visibleTexts(html: string): string[] {
  const out: string[] = [];
  let rest = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<code\b[\s\S]*?<\/code>/gi, ' ')
    // What a person typed, or the data being edited: an input's value is not read either.
    .replace(/<textarea\b[^>]*>[\s\S]*?<\/textarea>/gi, ' ');
  // Declared data: `<td translate="no">`, `<span translate="no">` (not nested in an element of the same name).
  rest = rest.replace(/<(\w+)\b[^>]*\btranslate="no"[^>]*>[\s\S]*?<\/\1>/gi, ' ');
  for (const tag of rest.match(/<[a-z][^>]*>/gi) ?? []) {
    for (const m of tag.matchAll(/\b(alt|title|aria-label|placeholder)="([^"]*)"/gi)) out.push(decode(m[2]));
    // An input button shows its value; a <button> shows its content (its value is only sent, never seen).
    if (/^<input\b/i.test(tag) && /\btype="(submit|button|reset)"/i.test(tag)) {
      const value = /\bvalue="([^"]*)"/i.exec(tag);
      if (value) out.push(decode(value[1]));
    }
  }
  for (const text of rest.replace(/<[^>]*>/g, '\n').split('\n')) {
    const trimmed = decode(text).trim();
    if (trimmed) out.push(trimmed);
  }
  return out;
}

function decode(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/**
 * Words of two letters or more, lower-cased; addresses, emails, and anything with a digit (ids, times) are not words.
 * Letters joined to a currency sign are one word with it: French writes pounds as "£GB", and without the sign "GB"
 * would be a French word, letting an English "10.7 GB" through where French says "10,7 Go".
 */
function words(text: string): string[] {
  const cleaned = text
    .replace(/\S+@\S+/g, ' ')
    .replace(/\b(?:https?:\/\/|\/)\S*/g, ' ')
    .replace(/[^\s·,;:()]*\d[^\s·,;:()]*/g, ' ');
  return (cleaned.match(/\p{Sc}*\p{L}[\p{L}\p{M}]+\p{Sc}*/gu) ?? []).map((w) => w.toLocaleLowerCase());
}

const cache = new WeakMap<Translator, Map<string, Set<string>>>();

/** Every word of a locale's catalogs (the literal text of each message, all plural and select branches), and Intl's. */
function vocabulary(translator: Translator, locale: string): Set<string> {
  let byLocale = cache.get(translator);
  if (!byLocale) cache.set(translator, (byLocale = new Map<string, Set<string>>()));
  let found = byLocale.get(locale);
  if (found) return found;
  found = new Set<string>();
  // A regional locale (`fr-CA`) has its language's words, and its region's formats (below).
  const language = languageOf(locale) ?? locale;
  for (const message of [...translator.entries(language).values(), ...(language === locale ? [] : translator.entries(locale).values())]) {
    for (const text of literals(parse(message, { ignoreTag: true }))) for (const w of words(text)) found.add(w);
  }
  for (const w of intlWords(locale)) found.add(w);
  byLocale.set(locale, found);
  return found;
}

function literals(ast: MessageFormatElement[]): string[] {
  return ast.flatMap((element) => {
    if (element.type === TYPE.literal) return [element.value];
    if (isPluralElement(element) || isSelectElement(element)) return Object.values(element.options).flatMap((o) => literals(o.value));
    return [];
  });
}

/** What Intl writes in the locale's formats: dates, money, sizes, language names. */
function intlWords(locale: string): string[] {
  const tag = intlLocale(locale);
  const texts: string[] = [];
  for (let month = 0; month < 12; month++) {
    for (const hour of [9, 15]) {
      const date = new Date(Date.UTC(2027, month, 15 + (month % 7), hour, 30));
      for (const dateStyle of ['medium', 'long', 'full'] as const)
        texts.push(new Intl.DateTimeFormat(tag, { dateStyle, timeStyle: 'short', timeZone: 'UTC' }).format(date));
    }
  }
  // Every weekday (the dates above fall on five of the seven).
  for (let day = 1; day <= 7; day++)
    texts.push(
      new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }).format(
        new Date(Date.UTC(2027, 1, day, 9, 30)),
      ),
    );
  for (const currency of ['USD', 'CAD', 'EUR', 'MXN', 'GBP'])
    texts.push(currency, new Intl.NumberFormat(tag, { style: 'currency', currency }).format(1234.5));
  // Sizes as the translator writes a ByteSize ("10,7 GB", "8 Mo", "500 bytes").
  for (const unit of ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'])
    for (const unitDisplay of ['short', 'long'] as const)
      for (const n of [1, 2.5]) texts.push(new Intl.NumberFormat(tag, { style: 'unit', unit, unitDisplay }).format(n));
  const names = new Intl.DisplayNames([tag], { type: 'language' });
  for (const other of platformLocales()) texts.push(languageName(other), names.of(other) ?? '');
  // A patient's preferred language (intake) may be one the platform has no catalog for; Intl names it.
  for (const other of PREFERRED_LANGUAGES) texts.push(names.of(other) ?? '');
  return texts.flatMap(words);
}
