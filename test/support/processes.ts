import { ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { builtEntry } from './dist';
import { freePort } from './ports';
import { TEST_RATE_LIMITS } from './rate-limits';

/** A platform or worker started from dist/ as its own process, with its recent output kept for failure messages. */
export interface RunningProcess {
  child: ChildProcess;
  port?: number;
  url?: string;
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
    JOBS_MAINTENANCE_SECONDS: '1',
    RATE_LIMITS: TEST_RATE_LIMITS,
    ...env,
  };
}

export async function startProcess(app: 'platform' | 'worker', env: Record<string, string>): Promise<RunningProcess> {
  const entry = builtEntry(`apps/${app}/src/main.js`);
  const port = app === 'platform' ? await freePort() : undefined;
  const child = spawn(process.execPath, [entry], {
    env: { ...processEnv(env), ...(port ? { PORT: String(port), PUBLIC_PORT: String(port) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 300) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: RunningProcess = {
    child,
    port,
    url: port ? `http://127.0.0.1:${port}` : undefined,
    output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && !child.signalCode) child.kill(signal);
      return exited;
    },
  };
  if (port) await waitForReady(running);
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
    if ((await httpGet(p.port!, '/health/ready')).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s:\n${p.output.join('')}`);
}
