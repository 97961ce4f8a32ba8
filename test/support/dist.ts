import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The compiled entry point a suite runs as a child process (`npm test` builds before Jest). Refuses to run code
 * older than the sources, which would test yesterday's build.
 */
export function builtEntry(relative: string): string {
  const entry = path.join(ROOT, 'dist', relative);
  if (!existsSync(entry)) throw new Error(`${path.relative(ROOT, entry)} is missing: run npm run build (npm test does it first)`);
  const built = statSync(entry).mtimeMs;
  const newer = ['apps', 'libs', 'migrations'].flatMap((dir) => newerThan(path.join(ROOT, dir), built));
  if (newer.length) throw new Error(`dist/ is older than ${path.relative(ROOT, newer[0])}: run npm run build (npm test does it first)`);
  return entry;
}

function newerThan(dir: string, time: number): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return newerThan(full, time);
    return !e.name.endsWith('.spec.ts') && statSync(full).mtimeMs > time ? [full] : [];
  });
}
