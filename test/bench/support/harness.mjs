// What every benchmark under test/bench/ shares: its size (--smoke or BENCH_SMOKE=1 for the small one CI runs), an
// overall time limit, a PostgreSQL of its own, server and worker children that are watched (one that exits or is not
// ready in time ends the benchmark with its last log lines and a non-zero exit, never a hang), cleanup on every way
// out, and one machine-readable result: a final line `BENCH_RESULT {json}` that `npm run bench:all` collects.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { productionConfig, root } from './config.mjs';

export { childEnv, productionConfig, productionEnv, root } from './config.mjs';

const require = createRequire(path.join(root, 'package.json'));
/** A module of the compiled platform (npm run build first; the npm scripts do). */
export const dist = (p) => require(path.join(root, 'dist', p));
export { require };

export const RESULT_PREFIX = 'BENCH_RESULT ';
const TAIL_BYTES = 64 * 1024;

export const isSmoke = (argv = process.argv, env = process.env) =>
  argv.includes('--smoke') || ['1', 'true', 'yes'].includes(String(env.BENCH_SMOKE ?? '').toLowerCase());

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const loadAverage = () => loadavg().map((l) => Number(l.toFixed(2)));
const fmtLoad = (l) => l.map((x) => x.toFixed(1)).join(' ');

/**
 * One figure of a result: `value` beside its `baseline` measured in the same run, their ratio, and the goal (on the
 * value or on the ratio), met or not. A figure with no goal is reported for the record.
 */
export function figure({ id, label, value, unit, baseline, goal, note }) {
  const ratio = baseline && baseline.value ? value / baseline.value : null;
  const measured = goal?.on === 'ratio' ? ratio : value;
  const met = goal ? compare(measured, goal.op, goal.target) : null;
  return { id, label, value, unit, baseline: baseline ?? null, ratio, goal: goal ?? null, met, note: note ?? null };
}

function compare(x, op, target) {
  if (x === null || x === undefined || Number.isNaN(x)) return false;
  if (op === '>=') return x >= target;
  if (op === '>') return x > target;
  if (op === '<=') return x <= target;
  if (op === '<') return x < target;
  throw new Error(`unknown goal operator ${op}`);
}

export function describeGoal(goal) {
  if (!goal) return '';
  const op = { '>=': '≥', '<=': '≤', '<': '<', '>': '>' }[goal.op];
  const target = goal.target.toLocaleString('en-US');
  return goal.on === 'ratio' ? `ratio ${op} ${target}` : `${op} ${target}${goal.unit ? ` ${goal.unit}` : ''}`;
}

export function formatNumber(value, unit) {
  if (value === null || value === undefined) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit ? ` ${unit}` : ''}`;
}

/**
 * Runs one benchmark: `main(bench)` does the work and returns `{ figures, checks, params }`. `meta.timeLimitSeconds`
 * is `{ smoke, full }`; BENCH_TIME_LIMIT_SECONDS overrides it.
 */
export async function benchmark(meta, main) {
  const bench = new Bench(meta);
  await bench.run(main);
}

class Bench {
  constructor(meta) {
    this.meta = meta;
    this.smoke = isSmoke();
    this.size = this.smoke ? 'smoke' : 'full';
    this.cleanups = [];
    this.children = new Set();
    this.environment = {
      cpu: cpus()[0]?.model?.trim() ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      postgres: null,
      loadAverageAtStart: loadAverage(),
      loadAverageAtEnd: null,
    };
    this.aborting = false;
    this.started = Date.now();
  }

  async run(main) {
    const limit = Number(process.env.BENCH_TIME_LIMIT_SECONDS) || this.meta.timeLimitSeconds[this.size];
    this.timer = setTimeout(() => void this.abort(`time limit of ${limit} s reached`), limit * 1000);
    process.once('SIGINT', () => void this.abort('interrupted (SIGINT)', 130));
    process.once('SIGTERM', () => void this.abort('stopped (SIGTERM)', 143));
    process.on('uncaughtException', (error) => void this.abort(`uncaught error: ${error?.stack ?? error}`));
    process.on('unhandledRejection', (error) => void this.abort(`unhandled rejection: ${error?.stack ?? error}`));
    console.log(
      `${this.meta.title} (${this.size}): ${this.environment.cores} cores, load average ${fmtLoad(this.environment.loadAverageAtStart)}, time limit ${limit} s`,
    );
    let outcome;
    try {
      outcome = await main(this);
    } catch (error) {
      await this.abort(`failed: ${error?.stack ?? error}`);
      return;
    }
    if (this.aborting) return;
    await this.runCleanups();
    clearTimeout(this.timer);
    const result = printResult(this.meta, { size: this.size, ...outcome }, { environment: this.environment, started: this.started });
    process.exit(result.ok ? 0 : 1);
  }

  /** Runs `fn` on the way out, whichever way that is (last registered, first run). */
  cleanup(fn) {
    this.cleanups.push(fn);
  }

  /** A temporary folder the benchmark's PostgreSQL (which runs as the postgres user when we are root) can reach. */
  tempDir(label) {
    const dir = mkdtempSync(path.join(tmpdir(), `consilium-bench-${label}-`));
    chmodSync(dir, 0o755);
    this.cleanup(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A PostgreSQL of the benchmark's own, migrated as `cli migrate` would. Stopped on the way out. */
  async startDatabase({ settings = {}, migrate = true } = {}) {
    const core = dist('libs/core/src/index.js');
    const dataDir = this.tempDir('pg');
    const db = await core.startEmbeddedDatabase({ dataDir, port: await freePort(), settings });
    this.cleanup(() => db.server.stop());
    if (migrate) await core.runMigrations(db.urls.owner, dist('migrations/index.js').allMigrations);
    const superuserUrl = db.server.superuserUrl('consilium');
    const { Client } = require('pg');
    const client = new Client({ connectionString: superuserUrl });
    await client.connect();
    this.environment.postgres = (await client.query(`SELECT current_setting('server_version') AS v`)).rows[0].v;
    await client.end();
    return {
      server: db.server,
      urls: db.urls,
      superuserUrl,
      dataDir,
      env: { DATABASE_URL: db.urls.runtime, DATABASE_OWNER_URL: db.urls.owner, DATABASE_OPERATOR_URL: db.urls.operator },
    };
  }

  /** The configuration of an in-process application on `db` (see support/config.mjs). */
  config(overrides = {}) {
    return productionConfig(overrides);
  }

  /**
   * Starts `node <args>` as a watched child. Resolves once `ready()` answers true; an exit before that, or no answer
   * within `readyTimeoutSeconds`, ends the benchmark with the child's last log lines. So does an exit later on that
   * `stop()` did not ask for. Output is kept as the last 64 KiB per child, never split or parsed while it runs.
   */
  async startChild({ name, args, env, ready, readyTimeoutSeconds = 90, ipc = false }) {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])] });
    const handle = new Child(name, child);
    this.children.add(handle);
    this.cleanup(() => handle.stop());
    child.once('exit', (code, signal) => {
      if (!handle.stopping && !this.aborting) void this.abort(`${name} exited (${signal ?? `code ${code}`})`);
    });
    const deadline = Date.now() + readyTimeoutSeconds * 1000;
    for (;;) {
      if (handle.exited) throw new Error(`${name} exited before it was ready`);
      if (await ready(handle).catch(() => false)) return handle;
      if (Date.now() > deadline) {
        await this.abort(`${name} was not ready after ${readyTimeoutSeconds} s`);
        return new Promise(() => undefined);
      }
      await sleep(50);
    }
  }

  /** Ends the benchmark now: what went wrong, each child's last log lines, cleanup, a non-zero exit. */
  async abort(reason, code = 1) {
    if (this.aborting) return;
    this.aborting = true;
    clearTimeout(this.timer);
    // If cleanup itself hangs (a server that will not stop), the process still ends.
    setTimeout(() => process.exit(code), 30000).unref();
    console.error(`\n${this.meta.title}: ${reason}`);
    for (const child of this.children) {
      const lines = child.lastLines(40);
      console.error(`\n--- last ${lines.length} log lines of ${child.name} (pid ${child.pid}) ---`);
      for (const line of lines) console.error(`  ${line}`);
    }
    await this.runCleanups();
    process.exit(code);
  }

  async runCleanups() {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop();
      await Promise.race([Promise.resolve().then(fn), sleep(15000)]).catch((error) => console.error(`cleanup: ${error?.message ?? error}`));
    }
  }
}

class Child {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.stopping = false;
    this.exited = false;
    this.tail = [];
    this.tailBytes = 0;
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      }),
    );
    const keep = (chunk) => {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
      while (this.tail.length > 1 && this.tailBytes - this.tail[0].length >= TAIL_BYTES) this.tailBytes -= this.tail.shift().length;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  }

  lastLines(n) {
    const lines = Buffer.concat(this.tail).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceSeconds`. */
  async stop(graceSeconds = 20) {
    if (this.exited) return this.exit;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const done = await Promise.race([this.exit, sleep(graceSeconds * 1000).then(() => null)]);
    if (done) return done;
    this.child.kill('SIGKILL');
    return this.exit;
  }
}

const moduleLoaded = { at: Date.now(), loadAverage: loadAverage() };

/**
 * Prints a benchmark's summary and its machine-readable line (`BENCH_RESULT {json}`, what `npm run bench:all`
 * collects). `benchmark()` calls it; a benchmark with its own time limit and children (upload-1gib.mjs) calls it last.
 */
export function printResult(meta, outcome, context = {}) {
  const environment = context.environment ?? {
    cpu: cpus()[0]?.model?.trim() ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    postgres: null,
    loadAverageAtStart: moduleLoaded.loadAverage,
  };
  environment.loadAverageAtEnd = loadAverage();
  const checks = outcome.checks ?? [];
  const result = {
    benchmark: meta.name,
    title: meta.title,
    size: outcome.size ?? (isSmoke() ? 'smoke' : 'full'),
    params: outcome.params ?? {},
    seconds: Math.round((Date.now() - (context.started ?? moduleLoaded.at)) / 100) / 10,
    environment,
    figures: outcome.figures ?? [],
    checks,
    ok: checks.every((c) => c.ok),
  };
  printSummary(result);
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
  return result;
}

function printSummary(result) {
  console.log(
    `\n${result.title}: ${result.size} size, ${result.seconds} s, load average ${fmtLoad(result.environment.loadAverageAtStart)} at the start`,
  );
  for (const f of result.figures) {
    const base = f.baseline ? ` vs ${f.baseline.label} ${formatNumber(f.baseline.value, f.baseline.unit)}` : '';
    const ratio =
      f.ratio === null
        ? ''
        : f.ratio > 0 && f.ratio < 0.1
          ? ` = 1/${Math.round(1 / f.ratio).toLocaleString('en-US')}`
          : ` = ${f.ratio.toFixed(2)}x`;
    const goal = f.goal ? ` (goal ${describeGoal(f.goal)}: ${f.met ? 'met' : 'NOT met'})` : '';
    console.log(`  ${f.label}: ${formatNumber(f.value, f.unit)}${base}${ratio}${goal}`);
  }
  for (const c of result.checks.filter((x) => !x.ok)) console.log(`  CHECK FAILED: ${c.label}`);
}
