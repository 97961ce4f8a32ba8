import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PATIENT_EVENTS } from '../case-timeline.service';
import { CASE_MOVES } from '../case-state';

function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

const read = (dir: string, locale: string) => JSON.parse(readFileSync(path.join(dir, 'i18n', `${locale}.json`), 'utf8'));

describe('assignment, roster and stipend pages text', () => {
  it.each([
    ['cases', __dirname],
    ['roster', path.join(__dirname, '..', '..', '..', 'roster', 'src', 'views')],
    ['stipends', path.join(__dirname, '..', '..', '..', 'billing', 'src', 'stipends', 'views')],
  ])('%s: the same keys in English and Spanish', (_, dir) => {
    expect(keys(read(dir, 'es')).sort()).toEqual(keys(read(dir, 'en')).sort());
  });

  it('has words for every reason a suggestion can carry and every way an assignment ends', () => {
    const en = keys(read(__dirname, 'en'));
    const source = readFileSync(path.join(__dirname, '..', 'assignment', 'assignment-ranking.ts'), 'utf8');
    const codes = [...source.matchAll(/(?:reasons|blockers)\.(?:push|unshift)\((?:[^)]*\? )?'([a-z_]+)'(?: : '([a-z_]+)')?\)/g)]
      .flatMap((m) => [m[1], m[2]])
      .filter(Boolean);
    expect(codes.length).toBeGreaterThan(8);
    for (const code of codes) expect(en).toContain(`assignment.reason.${code}`);
    for (const end of ['declined', 'missed_accept', 'missed_review', 'reassigned', 'delivered'])
      expect(en).toContain(`assignment.ended.${end}`);
  });

  it('words every move and patient event of the timeline, in each language', () => {
    for (const locale of ['en', 'es', 'fr']) {
      const present = keys(read(__dirname, locale));
      for (const name of [...CASE_MOVES.map((m) => m.name), ...PATIENT_EVENTS]) expect(present).toContain(`timeline.${name}`);
    }
  });
});
