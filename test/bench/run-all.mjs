// Runs every benchmark under test/bench/, one after another, and collects the result each prints last.
//
//   npm run bench:smoke                  each at its small size (under a minute each): that every one still runs.
//                                        CI runs this after the tests; it judges that each finishes, not the figures.
//   npm run bench:all                    each at full size (an hour or more); writes bench-results/<date>.md and .json
//                                        (each figure, its baseline from the same run, the ratio, the goal, met or
//                                        not, the machine and its load) and the README's performance table.
//   npm run bench:all -- --only site-home,intake      a subset (the README is then left as it is)
//   BENCH_CASES=100000 npm run bench:all              analytics at 100,000 cases instead of 1,000,000 (said so
//                                                     in the report); any benchmark's own variable passes through
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReadmeTable } from '../../scripts/bench-readme.mjs';
import { RESULT_PREFIX } from './support/harness.mjs';
import { renderReport } from './support/report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Every benchmark, cheapest first. `guard` is the runner's own limit, beyond the benchmark's (which should fire first). */
const BENCHMARKS = [
  { name: 'site-home', script: 'site-home.mjs' },
  { name: 'tenants', script: 'tenants-scale.mjs' },
  { name: 'sso', script: 'sso-sign-in.mjs' },
  { name: 'intake', script: 'intake-submissions.mjs' },
  { name: 'email', script: 'email-throughput.mjs' },
  { name: 'upload', script: 'upload-1gib.mjs' },
  { name: 'api-cases', script: 'api-cases.mjs' },
  { name: 'queue', script: 'queue.mjs' },
  { name: 'analytics', script: 'analytics.mjs' },
];

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const only = onlyArg?.split(',').map((s) => s.trim());
const unknown = only?.filter((n) => !BENCHMARKS.some((b) => b.name === n)) ?? [];
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = BENCHMARKS.filter((b) => !only || only.includes(b.name));
const guardSeconds = smoke ? 300 : 4 * 3600;
const loadNow = () => loadavg().map((l) => Number(l.toFixed(2)));

let current;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // The benchmark cleans up (its servers, its PostgreSQL) on SIGTERM; the runner then stops.
    console.error(`\n${signal}: stopping ${current?.name ?? 'the run'}`);
    if (current) current.child.kill('SIGTERM');
    else process.exit(130);
    setTimeout(() => process.exit(130), 45000).unref();
    current?.exit.then(() => process.exit(130));
  });
}

/** Runs one benchmark as a child process; its output passes through, its result line is kept. */
function runOne(bench) {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(here, bench.script), ...(smoke ? ['--smoke'] : [])], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result;
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length));
      else process.stdout.write(`${line}\n`);
    }
  });
  let timedOut = false;
  const guard = setTimeout(() => {
    timedOut = true;
    console.error(`\n${bench.name}: still running after the runner's limit of ${guardSeconds} s; stopping it`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 45000).unref();
  }, guardSeconds * 1000);
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      if (pending.startsWith(RESULT_PREFIX)) result = JSON.parse(pending.slice(RESULT_PREFIX.length));
      else if (pending) process.stdout.write(`${pending}\n`);
      // A result with its checks passed is a benchmark that ran, whatever its exit code says about its goals (the
      // upload benchmark exits 1 at full size when it misses one); the report says which goals were met.
      const status = timedOut ? 'timed out' : result?.ok ? 'ok' : result ? 'check failed' : 'failed';
      resolve({ name: bench.name, status, exitCode: code ?? signal, seconds: Math.round((Date.now() - started) / 100) / 10, result });
    }),
  );
  current = { name: bench.name, child, exit };
  return exit;
}

const startedAt = new Date();
const loadAtStart = loadNow();
console.log(
  `${smoke ? 'Smoke run' : 'Full run'} of ${chosen.length} benchmark(s): ${chosen.map((b) => b.name).join(', ')}; load average ${loadAtStart.join(' ')}\n`,
);
const entries = [];
for (const bench of chosen) {
  console.log(`\n=== ${bench.name} ${'='.repeat(Math.max(0, 60 - bench.name.length))}`);
  entries.push(await runOne(bench));
  current = undefined;
}
const finishedAt = new Date();
const seconds = Math.round((finishedAt - startedAt) / 1000);

console.log(`\n=== ${smoke ? 'smoke' : 'full'} run: ${Math.round(seconds)} s ${'='.repeat(40)}`);
for (const e of entries) {
  const figures = e.result?.figures ?? [];
  const goals = figures.filter((f) => f.goal);
  const missed = goals.filter((f) => !f.met).length;
  console.log(
    `  ${e.name.padEnd(10)} ${e.status.padEnd(10)} ${String(e.seconds).padStart(6)} s` +
      (e.result ? `   ${goals.length - missed}/${goals.length} goals met${smoke ? ' (not judged at smoke size)' : ''}` : ''),
  );
}
const failed = entries.filter((e) => e.status !== 'ok');

if (!smoke) {
  const postgres = entries.map((e) => e.result?.environment?.postgres).find(Boolean) ?? null;
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim())
      commit += ' with uncommitted changes';
  } catch {
    /* not a git checkout */
  }
  const run = {
    kind: 'consilium-bench-run',
    version: 1,
    command: `npm run bench:all${args.length ? ` -- ${args.join(' ')}` : ''}`,
    complete: !only,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds,
    commit,
    machine: {
      cpu: cpus()[0]?.model?.trim() ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      postgres,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadNow(),
    },
    benchmarks: entries,
    notes: Object.keys(process.env)
      .filter((k) => k.startsWith('BENCH_'))
      .map((k) => `${k}=${process.env[k]} was set for this run`),
  };
  const busiest = Math.max(
    run.machine.loadAverageAtStart[0],
    run.machine.loadAverageAtEnd[0],
    ...entries.map((e) => e.result?.environment?.loadAverageAtStart?.[0] ?? 0),
  );
  if (busiest > run.machine.cores) {
    run.notes.unshift(
      `The machine was busy: a 1-minute load average of ${busiest.toFixed(1)} on ${run.machine.cores} cores. Other work shared the cores with every measurement; these figures are not for publishing.`,
    );
    console.log(`\n${run.notes[0]}`);
  }
  const dir = path.join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, startedAt.toISOString().slice(0, 10));
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderReport(run));
  console.log(`\nWrote ${path.relative(root, base)}.md and .json`);
  if (run.complete) console.log(`README.md: performance table written from bench-results/${writeReadmeTable()}`);
  else console.log('A subset ran (--only): the README keeps the table of the last complete run.');
}

if (failed.length) {
  console.error(`\n${failed.length} benchmark(s) did not run to the end: ${failed.map((e) => `${e.name} (${e.status})`).join(', ')}`);
  process.exit(1);
}
