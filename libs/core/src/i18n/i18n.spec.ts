import type { IncomingMessage } from 'node:http';
import { pagePath, requestedUrl, stripLocalePrefix } from './locale-prefix';
import { localizedPath } from './locales';
import { formatMoney, minorToDecimal } from './money';
import { Translator } from './translator';

describe('language prefixes', () => {
  it.each([
    ['/es/pricing?x=1', '/pricing?x=1', 'es'],
    ['/es', '/', 'es'],
    ['/es?utm_source=a', '/?utm_source=a', 'es'],
    ['/en/faq', '/faq', 'en'],
    ['/estimates', '/estimates', undefined],
    ['/pricing', '/pricing', undefined],
    ['/fr/pricing', '/fr/pricing', undefined],
  ])('routes %s as %s in %s, remembering what was asked', (url, routed, locale) => {
    const req = { url } as IncomingMessage & { localePrefix?: string };
    expect(stripLocalePrefix(req)).toBe(routed);
    expect(req.localePrefix).toBe(locale);
    req.url = routed;
    expect(requestedUrl(req)).toBe(url);
    // Middleware sees req.url relative to its mount point; the page path comes from what was asked.
    req.url = '/';
    expect(pagePath(req)).toBe(routed.split('?')[0]);
  });

  it.each([
    ['/pricing', 'es', 'en', '/es/pricing'],
    ['/', 'es', 'en', '/es'],
    ['/pricing', 'en', 'en', '/pricing'],
    ['/pricing', 'en', 'es', '/en/pricing'],
  ])('writes %s in %s (default %s) as %s', (path, locale, fallback, expected) => {
    expect(localizedPath(path, locale, fallback)).toBe(expected);
  });
});

describe('money', () => {
  it('keeps minor units exact and writes decimals by the currency', () => {
    expect(minorToDecimal(95000, 'USD')).toBe('950.00');
    expect(minorToDecimal(118750, 'USD')).toBe('1187.50');
    expect(minorToDecimal(5000, 'JPY')).toBe('5000');
    expect(formatMoney(95000, 'USD', 'en')).toBe('$950');
    expect(formatMoney(118750, 'USD', 'es')).toBe('$1,187.50');
  });
});

describe('Translator', () => {
  const translator = new Translator();
  translator.register('demo', { en: { hello: 'Hello {name}', only: 'English only' }, es: { hello: 'Hola {name}' } });

  it('translates, falls back to English, and shows a missing key rather than nothing', () => {
    expect(translator.t('es', 'demo.hello', { name: 'Ana' })).toBe('Hola Ana');
    expect(translator.t('es', 'demo.only')).toBe('English only');
    expect(translator.t('es', 'demo.missing')).toBe('demo.missing');
    expect(translator.t('en', 'demo.hello')).toBe('Hello {name}');
  });
});
