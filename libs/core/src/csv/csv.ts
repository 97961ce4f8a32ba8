import { stringify, type Options } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { Readable, pipeline } from 'node:stream';

/** What a CSV cell may hold. Dates are written as ISO 8601, numbers as they are, null and undefined as empty. */
export type CsvValue = string | number | bigint | boolean | Date | null | undefined;

/**
 * A cell a spreadsheet would run as a formula (OWASP "CSV injection"): one that starts with = + - @, a tab or a
 * carriage return, or their full-width forms, which some spreadsheets read the same way. A plain number such as
 * -12.50 is data, not a formula, and is left as it is so it still sums.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The text of a cell as written: a formula-like text gets a leading apostrophe, so a spreadsheet shows it. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

// RFC 4180: CRLF between records, fields quoted when they hold a comma, a quote or a line break, quotes doubled.
const OPTIONS: Options = {
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  cast: {
    string: (value) => defuseFormula(value),
    date: (value) => value.toISOString(),
    boolean: (value) => String(value),
    bigint: (value) => String(value),
  },
};

/** Rows (the header first) as one CSV text, for exports small enough to build in memory. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return stringifySync(rows as CsvValue[][], OPTIONS);
}

/** Rows (the header first) as a CSV stream, for exports read from the database as they are sent. */
export function csvStream(rows: Iterable<readonly CsvValue[]> | AsyncIterable<readonly CsvValue[]>): Readable {
  const csv = stringify(OPTIONS);
  // A failed read ends the response with an error instead of a file that looks complete.
  pipeline(Readable.from(rows, { objectMode: true }), csv, () => undefined);
  return csv;
}
