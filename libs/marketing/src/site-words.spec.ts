import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The words of the hospital site: its shell, catalog, roster, funding and pages, and core's error page. */
const CATALOGS = [
  'libs/core/src/views/i18n',
  'libs/tenancy/src/views/i18n',
  'libs/catalog/src/views/i18n',
  'libs/roster/src/views/i18n',
  'libs/billing/src/funding-programs/views/i18n',
  'libs/marketing/src/views/i18n',
];

function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

describe('the site in both languages', () => {
  it.each(CATALOGS)('%s has every English string in Spanish, and nothing Spanish that English lacks', (dir) => {
    const read = (locale: string) => keys(JSON.parse(readFileSync(path.resolve(__dirname, '../../..', dir, `${locale}.json`), 'utf8')));
    const [en, es] = [read('en'), read('es')];
    expect(en.filter((k) => !es.includes(k))).toEqual([]);
    expect(es.filter((k) => !en.includes(k))).toEqual([]);
  });
});
