import { INTL_LOCALE, isLocale } from './locales';

/** Digits after the decimal point for a currency (USD 2, JPY 0): minor units are counted in these. */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 95000 USD -> "950.00": the decimal form schema.org and payment providers expect. */
export function minorToDecimal(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/** 95000 USD in es -> "US$950.00" / en -> "$950"; whole amounts drop the cents, as price lists do. */
export function formatMoney(minor: number, currency: string, locale = 'en'): string {
  const digits = currencyDigits(currency);
  const amount = minor / 10 ** digits;
  return new Intl.NumberFormat(isLocale(locale) ? INTL_LOCALE[locale] : locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: Number.isInteger(amount) ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(amount);
}
