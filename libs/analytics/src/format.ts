import { formatMoney, intlLocale, minorToDecimal, toCsv } from '@consilium/core';
import type { Cell, Table } from './dashboard';

/**
 * A percentage (41.7 meaning 41.7 %) as the reader's language and region write it, one decimal: "41.7%" in en-US,
 * "41,7 %" in French, with the space and the sign where the locale puts them.
 */
export function formatPercent(value: number | null, locale: string): string {
  if (value === null) return '–';
  return new Intl.NumberFormat(intlLocale(locale), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    value / 100,
  );
}

/** A number in the reader's locale ("1,234.5", "1 234,5"), at most `decimals` decimals. */
export function formatNumber(value: number, locale: string, decimals = 0): string {
  return new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: decimals }).format(value);
}

/** A cell as the page shows it. A missing figure is a dash, never a zero that was not measured. */
export function showCell(cell: Cell, currency: string, locale: string): string {
  switch (cell.kind) {
    case 'text':
      return cell.value;
    case 'count':
      return formatNumber(cell.value, locale);
    case 'percent':
      return formatPercent(cell.value, locale);
    case 'money':
      return cell.value === null ? '–' : formatMoney(cell.value, currency, locale);
    case 'hours':
      return cell.value === null ? '–' : `${formatNumber(cell.value, locale, 1)} h (${formatNumber(cell.value / 24, locale, 1)} d)`;
    case 'decimal':
      return cell.value === null ? '–' : formatNumber(cell.value, locale, 2);
  }
}

/** A cell in CSV: plain numbers (money in major units, percentages without the sign), empty when missing. */
export function csvCell(cell: Cell, currency: string): string {
  switch (cell.kind) {
    case 'text':
      return cell.value;
    case 'money':
      return cell.value === null ? '' : minorToDecimal(cell.value, currency);
    case 'percent':
      return cell.value === null ? '' : cell.value.toFixed(1);
    default:
      return cell.value === null ? '' : String(cell.value);
  }
}

/**
 * The table as CSV through the platform's one writer, which defuses formulas (a campaign tag is visitor-supplied)
 * and leaves the figures as plain numbers.
 */
export function tableToCsv(table: Table, currency: string): string {
  return toCsv([table.columns, ...table.rows.map((row) => row.map((cell) => csvCell(cell, currency)))]);
}
