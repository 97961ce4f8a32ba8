import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { importsOf, productionSources, ROOT } from './source-files';

/**
 * The libs form an acyclic graph, each reached only through its public index (`@consilium/<lib>`; core's operator
 * path through `@consilium/core/operator-data`), and no lib reaches up into an app or the tests. Relative imports
 * stay inside their own lib. A new cycle or a deep import fails here with its file.
 */
const LIBS = readdirSync(path.join(ROOT, 'libs')).filter((name) => existsSync(path.join(ROOT, 'libs', name, 'src', 'index.ts')));
const ENTRY_POINTS = new Set([...LIBS.map((lib) => `@consilium/${lib}`), '@consilium/core/operator-data']);

function libOf(file: string): string | null {
  return /^libs\/([^/]+)\//.exec(file)?.[1] ?? null;
}

describe('the lib graph', () => {
  const sources = productionSources();
  const edges = new Map<string, Set<string>>(LIBS.map((lib) => [lib, new Set<string>()]));
  const problems: string[] = [];
  for (const { file, text } of sources) {
    const from = libOf(file);
    for (const { specifier } of importsOf(text)) {
      if (specifier.startsWith('@consilium/')) {
        if (!ENTRY_POINTS.has(specifier)) problems.push(`${file}: ${specifier} is not a lib's public entry point`);
        const to = specifier.split('/')[1];
        if (from && to !== from) edges.get(from)!.add(to);
        if (from && to === from) problems.push(`${file}: imports its own lib through ${specifier} (use a relative import)`);
      } else if (specifier.startsWith('.')) {
        const target = path
          .relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier))
          .split(path.sep)
          .join('/');
        if (from && libOf(target) !== from) problems.push(`${file}: ${specifier} leaves the lib ${from}`);
        if (!from && /^(libs|test)\//.test(target)) problems.push(`${file}: ${specifier} reaches into ${target.split('/')[0]}/ by path`);
      }
    }
  }

  it('knows every lib', () => {
    expect(LIBS.length).toBeGreaterThanOrEqual(16);
    expect(LIBS).toContain('core');
  });

  it('imports other libs only through their public entry points, and apps never by path', () => {
    expect(problems).toEqual([]);
  });

  it('has core depend on no other lib but telemetry, which depends on none', () => {
    // Tracing must patch http and pg before anything loads them, so it sits below core: core names the request's
    // facts (route, tenant) on the span telemetry opened, and telemetry knows nothing of Consilium.
    expect([...edges.get('core')!].filter((lib) => lib !== 'telemetry')).toEqual([]);
    expect([...edges.get('telemetry')!]).toEqual([]);
  });

  it('has no cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (lib: string, trail: string[]) => {
      if (state.get(lib) === 'done') return;
      if (state.get(lib) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(lib)), lib].join(' -> '));
        return;
      }
      state.set(lib, 'visiting');
      for (const next of [...edges.get(lib)!].sort()) visit(next, [...trail, lib]);
      state.set(lib, 'done');
    };
    for (const lib of LIBS) visit(lib, []);
    expect(cycles).toEqual([]);
  });
});
