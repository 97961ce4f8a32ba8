import { spawn } from 'node:child_process';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { builtEntry } from '../support/dist';
import { freePort } from '../support/ports';

interface Run {
  code: number | null;
  output: string;
}

/** Starts an entry point from dist/ with exactly `env` (and PATH), and collects what it says until it exits. */
function run(app: 'platform' | 'worker' | 'cli', env: Record<string, string>, args: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [builtEntry(`apps/${app}/src/main.js`), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

const secret = Buffer.alloc(32, 7).toString('base64');
// The stand-ins chosen on purpose, as a production boot demands: what these tests watch is the boot's own words.
const base = {
  APP_SECRET: secret,
  FILES_MASTER_KEY: secret,
  LOG_LEVEL: 'info',
  PAYMENTS_PROVIDER: 'demo',
  EMAIL_TRANSPORT: 'outbox',
  RECORDS_STORAGE: 'local',
  SMS_TRANSPORT: 'outbox',
};
const lines = (output: string) => output.split('\n').filter((l) => l.trim());

/**
 * In production every line is JSON, and exactly one (level 60, fatal) says what stopped the process and what to check.
 * Found by its level, not its place: stdout and stderr reach the test through two pipes, in either order.
 */
function failureLine(output: string): { level: number; time: number; msg: string; problems: string[] } {
  const all = lines(output).map((line) => JSON.parse(line) as { level: number; time: number; msg: string; problems: string[] });
  const fatal = all.filter((l) => l.level === 60);
  expect(fatal).toHaveLength(1);
  expect(typeof fatal[0].time).toBe('number');
  return fatal[0];
}

/**
 * What a process says when it cannot start, before its logger is up: JSON lines in production, text for a person
 * otherwise, and an unreachable database named by its variable and address instead of a stack trace.
 */
describe('logs before the logger is up', () => {
  let closed: number;
  let otherClosed: number;

  beforeAll(async () => {
    // Ports nothing listens on: a connection there is refused at once.
    [closed, otherClosed] = [await freePort(), await freePort()];
  });

  const unreachable = () => ({
    DATABASE_URL: `postgres://consilium_app:pw-app@127.0.0.1:${closed}/consilium`,
    DATABASE_OPERATOR_URL: `postgres://consilium_operator:pw-op@127.0.0.1:${closed}/consilium`,
  });

  it.each(['platform', 'worker'] as const)('%s in production: one JSON line naming DATABASE_URL and the address, no stack', async (app) => {
    const result = await run(app, { ...base, NODE_ENV: 'production', PORT: String(await freePort()), ...unreachable() });
    expect(result.code).toBe(1);
    const last = failureLine(result.output);
    expect(last.msg).toBe(`Consilium ${app === 'worker' ? 'worker ' : ''}did not start: cannot reach PostgreSQL`);
    expect(last.problems).toEqual([expect.stringContaining(`PostgreSQL at 127.0.0.1:${closed} refused the connection`)]);
    expect(last.problems[0]).toContain('check DATABASE_URL / DATABASE_OPERATOR_URL');
    expect(result.output).not.toMatch(/\n\s+at |pw-app|pw-op/);
  });

  it('the CLI in production names the owner URL when migrations cannot connect', async () => {
    const result = await run(
      'cli',
      {
        ...base,
        NODE_ENV: 'production',
        ...unreachable(),
        DATABASE_OWNER_URL: `postgres://consilium_owner:pw-owner@127.0.0.1:${otherClosed}/consilium`,
      },
      ['migrate'],
    );
    expect(result.code).toBe(1);
    const last = failureLine(result.output);
    expect(last.problems).toEqual([
      expect.stringMatching(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${otherClosed} refused .*check DATABASE_OWNER_URL,`)),
    ]);
    expect(result.output).not.toMatch(/\n\s+at |pw-owner/);
  });

  it('a bad setting in production: one JSON line with each problem', async () => {
    const result = await run('platform', { ...base, NODE_ENV: 'production', PORT: 'eighty', ...unreachable() });
    expect(result.code).toBe(1);
    expect(lines(result.output)).toHaveLength(1);
    expect(failureLine(result.output)).toMatchObject({
      msg: 'Consilium did not start: configuration error',
      problems: ['PORT: must be a port number'],
    });
  });

  it('a port in use in production: the worker names WORKER_PORT', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    try {
      const result = await run('worker', {
        ...base,
        NODE_ENV: 'production',
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        WORKER_PORT: String((taken.address() as AddressInfo).port),
      });
      expect(result.code).toBe(1);
      expect(failureLine(result.output).problems).toEqual([
        `WORKER_PORT: port ${(taken.address() as AddressInfo).port} is already in use; set WORKER_PORT to a free port`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('in development: text for a person, with the same advice and no stack', async () => {
    const result = await run('platform', { ...base, NODE_ENV: 'development', PORT: String(await freePort()), ...unreachable() });
    expect(result.code).toBe(1);
    expect(result.output).toContain('Consilium did not start: cannot reach PostgreSQL\n');
    expect(result.output).toContain(
      `  - PostgreSQL at 127.0.0.1:${closed} refused the connection (nothing listens there): check DATABASE_URL`,
    );
    expect(result.output).not.toMatch(/^\{/m);
    expect(result.output).not.toMatch(/\n\s+at /);
  });
});
