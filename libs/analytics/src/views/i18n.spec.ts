import { readFileSync } from 'node:fs';
import path from 'node:path';

function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

describe('analytics text', () => {
  it('has every English string in Spanish, and no Spanish string English lacks', () => {
    const read = (locale: string) => keys(JSON.parse(readFileSync(path.join(__dirname, 'i18n', `${locale}.json`), 'utf8')));
    expect(read('en').filter((k) => !read('es').includes(k))).toEqual([]);
    expect(read('es').filter((k) => !read('en').includes(k))).toEqual([]);
  });
});
