import { ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { builtEntry } from './dist';
import { freePort } from './ports';
import { TEST_RATE_LIMITS } from './rate-limits';

/** A platform or worker started from dist/ as its own process, with its recent output kept for failure messages. */
export interface RunningProcess {
  child: ChildProcess;
  /** The platform's HTTP port, or the worker's health and metrics listener (WORKER_PORT). */
  port: number;
  url: string;
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The environment every spawned process of a suite shares: one database, one secret, one outbox, test limits. */
export function processEnv(env: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    APP_SECRET: Buffer.alloc(32, 1).toString('base64'),
    FILES_MASTER_KEY: Buffer.alloc(32, 2).toString('base64'),
    MIGRATE_ON_BOOT: 'false',
    APPLY_TENANTS_ON_BOOT: 'false',
    LOG_LEVEL: 'warn',
    JOBS_POLL_SECONDS: '0.5',
    RATE_LIMITS: TEST_RATE_LIMITS,
    // Supervision (expiring a dead worker's attempts) stays at its default: these suites stop processes gracefully,
    // and pg-boss 12's pass every second would cost each process ~70 ms of database time per second.
    ...env,
  };
}

export async function startProcess(
  app: 'platform' | 'worker',
  env: Record<string, string>,
  options: { keepAllOutput?: boolean } = {},
): Promise<RunningProcess> {
  const entry = builtEntry(`apps/${app}/src/main.js`);
  const port = await freePort();
  // Every process gets ports of its own: suites (and other runs on the machine) start several at once.
  const ports = app === 'platform' ? { PORT: String(port), PUBLIC_PORT: String(port) } : { WORKER_PORT: String(port) };
  const child = spawn(process.execPath, [entry], {
    env: { ...processEnv(env), ...ports },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 300 && !options.keepAllOutput) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: RunningProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && !child.signalCode) child.kill(signal);
      return exited;
    },
  };
  // A platform is ready when it serves; a worker when its job loops poll.
  await waitForReady(running);
  return running;
}

/** GET on the process's port with a Host header; never throws on a connection error, answers status 0 instead. */
export function httpGet(
  port: number,
  path: string,
  host = 'localhost',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started }));
      res.on('error', () => resolve({ status: 0, body, ms: Date.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, body: '', ms: Date.now() - started }));
    req.setTimeout(30000, () => req.destroy());
  });
}

async function waitForReady(p: RunningProcess, timeoutMs = 60000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.child.exitCode !== null) throw new Error(`the process exited with ${p.child.exitCode}:\n${p.output.join('')}`);
    if ((await httpGet(p.port, '/health/ready')).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s:\n${p.output.join('')}`);
}

/**
 * Starts a platform or worker that is expected to refuse to boot, and answers its exit code and output. A process
 * that is still running after `timeoutMs` is killed and answers null: it booted when it should not have.
 */
export async function runUntilExit(
  app: 'platform' | 'worker',
  env: Record<string, string>,
  timeoutMs = 30000,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [builtEntry(`apps/${app}/src/main.js`)], {
    env: { ...processEnv(env), PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}
