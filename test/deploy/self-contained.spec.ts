import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A clone alone in an empty folder must pass `npm test`: nothing the project runs may read outside its own folder.
 * This reads every tracked source, script and configuration file and fails on any path that leaves the repository:
 * a literal sibling-folder path (the folder of shared notes beside the project), or a `path.join/resolve(__dirname,
 * '..', ...)` whose literal segments climb above the root. The names are assembled below, so this file names none.
 */
const root = path.resolve(__dirname, '..', '..');
const SCANNED = /\.(ts|mts|cts|js|mjs|cjs|json|sh|ya?ml)$|(^|\/)(run|Dockerfile)$/;

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && SCANNED.test(f) && !f.startsWith('node_modules/') && !f.endsWith('package-lock.json'))
    .filter((f) => f !== 'test/deploy/self-contained.spec.ts'); // its own examples
}

/** The sibling folder the project must never read, and the machine it was written on, built so no literal names them. */
const SIBLING = ['..', 'sha' + 'red'].join('/');
const OUTSIDE = new RegExp(
  [`${SIBLING.replace(/\./g, '\\.')}\\b`, `['"]${'sha' + 'red'}['"]\\s*,\\s*['"]fixtures['"]`, `/${'wo' + 'rk'}/main\\b`].join('|'),
);

/** The literal segments of `path.join(__dirname, 'a', '..', ...)` / `path.resolve(__dirname, '../x')` calls. */
function dirnameJoins(source: string): string[][] {
  const calls: string[][] = [];
  const call = /path\.(?:join|resolve)\(\s*__dirname\s*((?:,\s*(?:'[^']*'|"[^"]*"|`[^`$]*`)\s*)+)\)/g;
  for (const match of source.matchAll(call)) {
    calls.push([...match[1].matchAll(/'([^']*)'|"([^"]*)"|`([^`]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3]));
  }
  return calls;
}

describe('the repository is self-contained', () => {
  const files = trackedFiles();

  it('scans the project (and would notice a file that leaves it)', () => {
    expect(files.length).toBeGreaterThan(200);
    const escaping = `const X = path.join(__dirname, '..', '..', '..', '${'sha' + 'red'}', 'fixtures');`;
    expect(OUTSIDE.test(escaping)).toBe(true);
    expect(OUTSIDE.test(`readFileSync('${SIBLING}/fixtures/x.dcm')`)).toBe(true);
    const [segments] = dirnameJoins(escaping);
    const target = path.resolve(root, 'test', 'support', ...segments);
    expect(target.startsWith(root + path.sep)).toBe(false);
  });

  it('no file names the sibling folder or the machine the project was written on', () => {
    const offenders = files.filter((f) => {
      const text = readFileSync(path.join(root, f), 'utf8');
      return OUTSIDE.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it('no path built from __dirname climbs above the repository', () => {
    const offenders: string[] = [];
    for (const f of files.filter((name) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(name))) {
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const segments of dirnameJoins(text)) {
        // Compiled code runs from dist/<same path>, one level deeper than its source: allow that level only there.
        const from = path.join(root, path.dirname(f));
        const target = path.resolve(from, ...segments);
        const built = /^(apps|libs|migrations)\//.test(f);
        const compiled = path.resolve(root, 'dist', path.dirname(f), ...segments);
        const inside = (p: string) => p === root || p.startsWith(root + path.sep);
        if (!inside(target) && !(built && inside(compiled))) offenders.push(`${f}: ${segments.join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
