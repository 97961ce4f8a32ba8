import { Logger } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalLocale, intlLocale, isPlatformLocale, negotiateLocale, unsupportedLocaleMessage } from './locales';
import { pseudoMessage } from './pseudo-locale';
import { ByteSize, byteSize, MissingMessage, Translator } from './translator';

function catalogs(files: Record<string, object>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
  for (const [locale, tree] of Object.entries(files)) writeFileSync(path.join(dir, `${locale}.json`), JSON.stringify(tree));
  return dir;
}

describe('Translator (ICU messages by key)', () => {
  const translator = new Translator();
  beforeAll(() =>
    translator.register(
      'demo',
      catalogs({
        en: {
          files: '{count, plural, =0 {No files} one {# file} other {# files}}',
          who: '{kind, select, staff {A staff member} other {Someone}} wrote',
          sent: 'Sent {when, date, medium} at {when, time, short}',
          total: 'Total: {amount}',
          only: 'English only',
        },
        es: {
          files: '{count, plural, =0 {Ningún archivo} one {# archivo} other {# archivos}}',
          who: '{kind, select, staff {Alguien del personal} other {Alguien}} escribió',
          sent: 'Enviado el {when, date, medium} a las {when, time, short}',
          total: 'Total: {amount}',
        },
      }),
    ),
  );

  it('writes a size in bytes in the reader’s units', () => {
    const plain = (text: string) => text.replace(/\s/g, ' ');
    expect(translator.t('demo.total', 'en', { amount: new ByteSize(8 * 1024 * 1024) })).toBe('Total: 8 MB');
    expect(plain(translator.t('demo.total', 'es', { amount: new ByteSize(1536) }))).toBe('Total: 1.5 kB');
    expect(translator.t('demo.total', 'en', { amount: new ByteSize(500) })).toBe('Total: 500 bytes');
    // Outside a message too (a record's size, a case's storage): French says octets, not bytes.
    expect(plain(byteSize(10 * 1024 ** 3, 'fr'))).toBe('10 Go');
    expect(plain(byteSize(0, 'fr'))).toBe('0 octet');
  });

  it('writes plurals and selects by the locale’s rules', () => {
    expect(translator.t('demo.files', 'en', { count: 0 })).toBe('No files');
    expect(translator.t('demo.files', 'en', { count: 1 })).toBe('1 file');
    expect(translator.t('demo.files', 'es', { count: 1200 })).toBe('1,200 archivos');
    expect(translator.t('demo.who', 'es', { kind: 'staff' })).toBe('Alguien del personal escribió');
  });

  it('writes dates in the hospital’s time zone, and a regional locale reads its language’s catalog', () => {
    const when = new Date('2027-03-01T02:30:00Z');
    expect(translator.t('demo.sent', 'en', { when }, { timeZone: 'America/Chicago' })).toBe('Sent Feb 28, 2027 at 8:30 PM');
    expect(translator.t('demo.sent', 'es-MX', { when }, { timeZone: 'UTC' })).toMatch(/^Enviado el 1 mar 2027 a las 2:30/);
  });

  it('fails in tests on a key missing from a locale, and on a key no catalog has', () => {
    expect(() => translator.t('demo.only', 'es')).toThrow(MissingMessage);
    expect(() => translator.t('demo.nothing', 'en')).toThrow(/no message demo.nothing/);
  });

  it('in production shows English for a missing key and logs the key once, never the values', () => {
    const production = new Translator({ raw: { NODE_ENV: 'production' } } as never);
    production.register('demo', catalogs({ en: { only: 'English only {name}' }, es: {} }));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(production.t('demo.only', 'es', { name: 'Rosa Ortega' })).toBe('English only Rosa Ortega');
    production.t('demo.only', 'es', { name: 'Rosa Ortega' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('Rosa');
    expect(JSON.stringify(warn.mock.calls)).toContain('demo.only');
    warn.mockRestore();
  });

  it('makes a pseudo-locale message: accented, longer, arguments and plurals intact', () => {
    const pseudo = pseudoMessage('Keep this under {max, plural, one {# character} other {# characters}}.');
    expect(pseudo).toMatch(/^Ķééƥ ŧĥíš úñđéŕ~+ \{max,plural,one\{# çĥáŕáçŧéŕ~+\} other\{# çĥáŕáçŧéŕš~+\}\}\.$/);
  });
});

describe('locales as data', () => {
  it('are the languages core has catalogs for, with or without a region', () => {
    expect(isPlatformLocale('fr')).toBe(true);
    expect(isPlatformLocale('fr-CA')).toBe(true);
    expect(isPlatformLocale('de')).toBe(false);
    expect(unsupportedLocaleMessage('de')).toMatch(/de is not a platform language: use one of en, es, fr/);
    expect(canonicalLocale('fr_ca')).toBe('fr-CA');
  });

  it('format with the region given, else the language’s default from its catalog', () => {
    expect(intlLocale('es')).toBe('es-US');
    expect(intlLocale('fr-CA')).toBe('fr-CA');
  });

  it('negotiate an exact tag first, then the same language', () => {
    const supported = ['en', 'fr-CA'];
    expect(negotiateLocale({ acceptLanguage: 'fr-FR,fr;q=0.9', supported, fallback: 'en' })).toBe('fr-CA');
    expect(negotiateLocale({ explicit: 'fr-ca', supported, fallback: 'en' })).toBe('fr-CA');
    expect(negotiateLocale({ acceptLanguage: 'de', supported, fallback: 'en' })).toBe('en');
  });
});
