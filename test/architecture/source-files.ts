import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface SourceFile {
  /** Relative to the repository, with forward slashes: `libs/core/src/index.ts`. */
  file: string;
  text: string;
}

/** The production TypeScript of apps/ and libs/: what the build compiles (no specs, no __tests__). */
export function productionSources(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const top of ['apps', 'libs']) {
    for (const entry of readdirSync(path.join(ROOT, top), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts') || entry.name.endsWith('.d.ts')) continue;
      const full = path.join(entry.parentPath, entry.name);
      const file = path.relative(ROOT, full).split(path.sep).join('/');
      if (file.includes('/__tests__/') || file.includes('/node_modules/')) continue;
      files.push({ file, text: readFileSync(full, 'utf8') });
    }
  }
  return files.sort((a, b) => a.file.localeCompare(b.file));
}

/** The module specifiers a file imports (static imports, re-exports, `import()` and `require()`). */
export function importsOf(text: string): { specifier: string; typeOnly: boolean; names: string }[] {
  const found: { specifier: string; typeOnly: boolean; names: string }[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(statement)) found.push({ specifier: m[4], typeOnly: !!m[2], names: m[3] });
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.push({ specifier: m[1], typeOnly: false, names: '' });
  for (const m of text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ specifier: m[1], typeOnly: false, names: '*' });
  return found;
}
