import { localizedPath, withLang } from './locales';
import { formatMoney, minorToDecimal } from './money';

describe('addresses per language', () => {
  it.each([
    ['/pricing', 'es', 'en', '/pricing?lang=es'],
    ['/', 'es', 'en', '/?lang=es'],
    ['/pricing', 'en', 'en', '/pricing'],
    ['/pricing', 'en', 'es', '/pricing?lang=en'],
    ['/start?physician=a', 'es', 'en', '/start?physician=a&lang=es'],
  ])('writes %s in %s (site default %s) as %s', (path, locale, fallback, expected) => {
    expect(localizedPath(path, locale, fallback)).toBe(expected);
  });

  it('always names the language in a language switch, so it wins over the remembered one', () => {
    expect(withLang('/faq', 'en')).toBe('/faq?lang=en');
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
