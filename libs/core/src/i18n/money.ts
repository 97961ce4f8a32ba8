import { intlLocale, languageOf } from './locales';

/** Digits after the decimal point for a currency (USD 2, JPY 0): minor units are counted in these. */
export function currencyDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 95000 USD -> "950.00": the decimal form schema.org and payment providers expect. */
export function minorToDecimal(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/**
 * 95000 USD in es -> "US$950.00" / en -> "$950" / fr-CA -> "950 $ US"; whole amounts drop the cents, as price lists
 * do. `locale` is a page's locale (formatted with its region or its language's default) or any Intl tag.
 */
export function formatMoney(minor: number, currency: string, locale = 'en', options: { cents?: 'always' | 'when-needed' } = {}): string {
  const digits = currencyDigits(currency);
  const amount = minor / 10 ** digits;
  return new Intl.NumberFormat(languageOf(locale) ? intlLocale(locale) : locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: Number.isInteger(amount) && options.cents !== 'always' ? 0 : digits,
    maximumFractionDigits: digits,
  }).format(amount);
}

/** `950`, `950.00`, `-20.5` typed in the currency's major unit -> minor units; undefined when it is not an amount. */
export function parseAmount(raw: string, currency: string): number | undefined {
  const digits = currencyDigits(currency);
  const m = /^(-)?(\d{1,9})(?:\.(\d+))?$/.exec(raw);
  if (!m || (m[3] && m[3].length > digits)) return undefined;
  const minor = Number(m[2]) * 10 ** digits + Number((m[3] ?? '').padEnd(digits, '0') || 0);
  return m[1] ? -minor : minor;
}

/** 95000 USD -> "950.00": how an amount is shown in an editor's field. */
export function amountText(minor: number | undefined | null, currency: string): string {
  if (minor === undefined || minor === null) return '';
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  return sign + (Math.abs(minor) / 10 ** digits).toFixed(digits);
}
