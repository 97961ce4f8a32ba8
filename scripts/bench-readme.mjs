// Writes the README's performance table (between its bench markers) from the latest complete `npm run bench:all`
// run in bench-results/. `npm run bench:all` calls it at the end; run it by hand after editing a report.
//
//   npm run bench:readme
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadmeTable } from '../test/bench/support/report.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const START = '<!-- bench:results:start (written by npm run bench:readme from bench-results/; do not edit by hand) -->';
export const END = '<!-- bench:results:end -->';

/** The newest run that ran every benchmark, or undefined. */
export function latestCompleteRun(dir = path.join(root, 'bench-results')) {
  if (!existsSync(dir)) return undefined;
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, run: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }))
    .filter(({ run }) => run.complete)
    .sort((a, b) => a.run.startedAt.localeCompare(b.run.startedAt));
  return runs.at(-1);
}

export function writeReadmeTable() {
  const latest = latestCompleteRun();
  if (!latest) throw new Error('no complete run in bench-results/: run npm run bench:all first');
  const readmePath = path.join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no bench markers (${START} ... ${END})`);
  const table = renderReadmeTable(latest.run, `bench-results/${latest.file.replace(/\.json$/, '.md')}`);
  writeFileSync(readmePath, `${readme.slice(0, from + START.length)}\n\n${table}\n\n${readme.slice(to)}`);
  return latest.file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = writeReadmeTable();
  console.log(`README.md: performance table written from bench-results/${file}`);
}
