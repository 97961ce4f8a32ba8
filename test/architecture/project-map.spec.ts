import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './source-files';

/**
 * nest-cli.json is the monorepo's map (Nest tooling reads it, and scripts/build.mjs compiles exactly the projects it
 * names with the .swcrc it names), so it must stay true: every app and lib, nothing else. The same for the import
 * aliases and the README's Layout.
 */
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const dirs = (top: string) => readdirSync(path.join(ROOT, top)).filter((name) => existsSync(path.join(ROOT, top, name, 'src')));

interface NestProject {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
}

describe('the project map', () => {
  const nest = JSON.parse(read('nest-cli.json')) as {
    projects: Record<string, NestProject>;
    compilerOptions: { builder: { type: string; options: { swcrcPath: string } }; tsConfigPath: string };
  };
  const apps = dirs('apps');
  const libs = dirs('libs');

  it('names exactly the apps and libs, each with its entry file', () => {
    const expected = [
      ...apps.map((name) => [name, { type: 'application', root: `apps/${name}`, sourceRoot: `apps/${name}/src`, entryFile: 'main' }]),
      ...libs.map((name) => [name, { type: 'library', root: `libs/${name}`, sourceRoot: `libs/${name}/src`, entryFile: 'index' }]),
    ];
    expect(Object.entries(nest.projects).sort()).toEqual(expected.sort());
    for (const p of Object.values(nest.projects)) expect(existsSync(path.join(ROOT, p.sourceRoot, `${p.entryFile}.ts`))).toBe(true);
  });

  it('names the compiler and configuration the build uses, and the build reads them from it', () => {
    expect(nest.compilerOptions.builder.type).toBe('swc');
    expect(existsSync(path.join(ROOT, nest.compilerOptions.builder.options.swcrcPath))).toBe(true);
    expect(existsSync(path.join(ROOT, nest.compilerOptions.tsConfigPath))).toBe(true);
    const build = read('scripts/build.mjs');
    expect(build).toContain("'nest-cli.json'");
    expect(build).toContain('nest.compilerOptions.builder.options.swcrcPath');
    expect(JSON.parse(read('package.json')).scripts.build).toBe('node scripts/build.mjs');
  });

  it('gives every lib its import alias, and nothing else', () => {
    const paths = (JSON.parse(read('tsconfig.json')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
    expect(Object.keys(paths).sort()).toEqual([...libs.map((l) => `@consilium/${l}`), '@consilium/core/operator-data'].sort());
    for (const lib of libs) expect(paths[`@consilium/${lib}`]).toEqual([`libs/${lib}/src/index.ts`]);
  });

  it("lists every app and lib in the README's Layout, one line each", () => {
    const readme = read('README.md');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('How isolation works'));
    for (const name of [...apps.map((a) => `apps/${a}`), ...libs.map((l) => `libs/${l}`)]) {
      expect({ name, lines: layout.split('\n').filter((line) => line.startsWith(`${name} `)).length }).toEqual({ name, lines: 1 });
    }
  });
});
