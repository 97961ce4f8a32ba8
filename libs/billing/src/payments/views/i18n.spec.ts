import { readFileSync } from 'node:fs';
import path from 'node:path';

function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

describe('payments text', () => {
  it('has every English string in Spanish too, and a label for every status', () => {
    const read = (locale: string) => JSON.parse(readFileSync(path.join(__dirname, 'i18n', `${locale}.json`), 'utf8'));
    const es = keys(read('es'));
    expect(keys(read('en')).filter((k) => !es.includes(k))).toEqual([]);
    const { PAYMENT_STATUSES } = jest.requireActual('../payment-status');
    for (const status of PAYMENT_STATUSES as string[]) expect(es).toContain(`status.${status}`);
  });
});
