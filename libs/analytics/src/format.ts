import { formatMoney, minorToDecimal, toCsv } from '@consilium/core';
import type { Cell, Table } from './dashboard';

/** A cell as the page shows it. A missing figure is a dash, never a zero that was not measured. */
export function showCell(cell: Cell, currency: string, locale: string): string {
  switch (cell.kind) {
    case 'text':
      return cell.value;
    case 'count':
      return new Intl.NumberFormat(locale).format(cell.value);
    case 'percent':
      return cell.value === null
        ? '–'
        : `${new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(cell.value)}%`;
    case 'money':
      return formatMoney(cell.value, currency, locale);
    case 'hours':
      return cell.value === null
        ? '–'
        : `${cell.value} h (${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(cell.value / 24)} d)`;
    case 'decimal':
      return cell.value === null ? '–' : new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(cell.value);
  }
}

/** A cell in CSV: plain numbers (money in major units, percentages without the sign), empty when missing. */
export function csvCell(cell: Cell, currency: string): string {
  switch (cell.kind) {
    case 'text':
      return cell.value;
    case 'money':
      return minorToDecimal(cell.value, currency);
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
