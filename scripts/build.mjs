// Compiles every project nest-cli.json names (the apps and libs: the monorepo's map, which Nest tooling reads too)
// and migrations/ to dist/ with swc and the .swcrc it names (no type checking: `npm run typecheck` does that).
// Nest's own swc builder compiles one project's sourceRoot only, not the libs it imports, hence this script.
// Path aliases from tsconfig.json are rewritten to relative requires at compile time, so the output runs on
// plain `node` with no runtime path registration.
import { transformFile } from '@swc/core';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist');
const nest = JSON.parse(readFileSync(path.join(root, 'nest-cli.json'), 'utf8'));
const sources = [...Object.values(nest.projects).map((project) => project.root), 'migrations'];
const tsconfig = JSON.parse(readFileSync(path.join(root, nest.compilerOptions.tsConfigPath), 'utf8'));
const swcrc = JSON.parse(readFileSync(path.join(root, nest.compilerOptions.builder.options.swcrcPath), 'utf8'));

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '__tests__' || entry.name === 'node_modules') continue;
      yield* walk(full);
    } else if (!entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

const started = Date.now();
await rm(outDir, { recursive: true, force: true });
const files = [];
for (const dir of sources) for await (const file of walk(path.join(root, dir))) files.push(file);

await Promise.all(
  files.map(async (file) => {
    if (!file.endsWith('.ts')) {
      // Views, stylesheets and other files a lib reads at run time travel beside the compiled code.
      const out = path.join(outDir, path.relative(root, file));
      await mkdir(path.dirname(out), { recursive: true });
      return copyFile(file, out);
    }
    const out = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, {
      ...swcrc,
      swcrc: false,
      filename: file,
      sourceFileName: path.relative(path.dirname(out), file),
      jsc: { ...swcrc.jsc, baseUrl: root, paths: tsconfig.compilerOptions.paths },
    });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
    if (map) await writeFile(`${out}.map`, map);
  }),
);
if (process.env.BUILD_VERBOSE) console.log(`built ${files.length} files in ${Date.now() - started} ms`);
