import { readFileSync } from 'node:fs';
import path from 'node:path';

function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

describe('identity text', () => {
  it('has every English string in Spanish too', () => {
    const read = (locale: string) => JSON.parse(readFileSync(path.join(__dirname, 'i18n', `${locale}.json`), 'utf8'));
    const missing = keys(read('en')).filter((k) => !keys(read('es')).includes(k));
    expect(missing).toEqual([]);
  });
});
