import { ChildProcess, spawn } from 'node:child_process';
import { toYaml } from '@consilium/tenancy';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { freePort } from '../support/ports';
import { testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

const MAIN = path.resolve(__dirname, '../../dist/apps/platform/src/main.js');

interface Started {
  child: ChildProcess;
  output: () => string;
  seconds: number;
}

const running = new Set<ChildProcess>();

/** Runs the built platform (`npm test` builds first) as `npm start` would, on a data folder and ports of its own. */
function start(env: Record<string, string>, until = /Consilium is ready|did not start/): Promise<Started> {
  const began = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH!, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in 60 s:\n${output}`)), 60000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output, seconds: (Date.now() - began) / 1000 });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve({ child, output: () => output, seconds: (Date.now() - began) / 1000 });
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** node:http, not fetch: fetch may not set the Host header, which is what selects the hospital. */
function get(port: number, host: string, pathname = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Each test boots the platform and its PostgreSQL once or twice; on a shared machine under load one boot can take a
// minute, more than Jest's default for a test.
jest.setTimeout(180_000);

describe('the embedded default, as `npm start` runs it', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-boot-'));
    chmodSync(dataDir, 0o755);
    port = await freePort();
    env = { DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()) };
  });

  // Tests that start the platform and its PostgreSQL more than once get more than Jest's minute: on shared cores a
  // cold start alone has taken 20 s.

  // A failed expectation must not leave a server (and its PostgreSQL) running.
  afterEach(async () => {
    for (const child of running) {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The running server's pid, from the lock file it writes in its data folder. */
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

  it('starts cold, serves both demo hospitals, stops cleanly on SIGTERM, and starts warm on the same data', async () => {
    const cold = await start(env);
    expect(cold.output()).toContain('Consilium is ready');
    expect(cold.output()).toContain(`http://lakeshore.localhost:${port}/`);
    expect(cold.output()).toContain(`http://meridian.localhost:${port}/`);
    expect((await get(port, 'lakeshore.localhost')).body).toContain('Lakeshore Medical Center');
    expect((await get(port, 'meridian.localhost')).body).toContain('Meridian University Health');
    expect((await get(port, 'elsewhere.example')).status).toBe(404);
    cold.child.kill('SIGTERM');
    expect(await exited(cold.child)).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const warm = await start(env);
    expect(warm.output()).toContain('Consilium is ready');
    expect(warm.output()).not.toContain('create tenant');
    console.log(`npm start to ready: cold ${cold.seconds.toFixed(2)} s, warm ${warm.seconds.toFixed(2)} s`);
    warm.child.kill('SIGINT');
    expect(await exited(warm.child)).toBe(0);
  }, 180_000);

  it("stops PostgreSQL too when `npm start`'s whole process group gets SIGTERM (npm forwards it as well)", async () => {
    // The real npm, running a script that starts the built platform as the package's `start` does (without the build).
    const project = mkdtempSync(path.join(tmpdir(), 'consilium-npm-start-'));
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'npm-start-probe', private: true, scripts: { start: `exec "${process.execPath}" "${MAIN}"` } }),
    );
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: project,
      env: { PATH: process.env.PATH!, HOME: project, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a process group of its own, led by npm, as in a terminal or under a supervisor
    });
    running.add(npm);
    let output = '';
    npm.stdout.on('data', (c: Buffer) => (output += c.toString()));
    npm.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await eventually(() => expect(output).toContain('Consilium is ready'), 60000, 100);
      const pgPid = postmasterPid();
      process.kill(-npm.pid!, 'SIGTERM');
      await exited(npm);
      await eventually(() => expect(alive(pgPid)).toBe(false), 30000, 100);
      expect(output).toContain('SIGTERM received: finishing requests in flight, then stopping.');
      expect(output).not.toContain('Stopping immediately');
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('stops PostgreSQL when the platform is killed (SIGKILL), and the next start begins cleanly', async () => {
    const first = await start(env);
    const pgPid = postmasterPid();
    first.child.kill('SIGKILL');
    await exited(first.child);
    // Nothing in the platform ran, yet the server's keeper saw it go and stopped the server.
    await eventually(() => expect(alive(pgPid)).toBe(false), 30000, 100);

    const again = await start(env);
    expect(again.output()).toContain('Consilium is ready');
    expect((await get(port, 'lakeshore.localhost')).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toBe(0);
  }, 120_000);

  it('recovers after a crash that took PostgreSQL down too and left its lock file behind (stale postmaster.pid)', async () => {
    const first = await start(env);
    const pgPid = postmasterPid();
    // A machine-wide crash or the OOM killer: both gone at once, no shutdown, the lock file left behind.
    process.kill(pgPid, 'SIGKILL');
    first.child.kill('SIGKILL');
    await exited(first.child);
    await eventually(() => expect(alive(pgPid)).toBe(false), 10000, 50);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);

    const again = await start(env);
    expect(again.output()).toContain('removing a stale PostgreSQL lock file');
    expect(again.output()).toContain('Consilium is ready');
    expect((await get(port, 'lakeshore.localhost')).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toBe(0);
  }, 120_000);

  it('says which variable to set when the port is taken', async () => {
    const blocker = net.createServer().listen(port, '0.0.0.0');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const run = await start(env);
      expect(await exited(run.child)).toBe(1);
      expect(run.output()).toContain(`PORT: port ${port} is already in use; set PORT to a free port`);
    } finally {
      blocker.close();
    }
  });

  it('says which variable to set when the embedded PostgreSQL port is taken', async () => {
    const pgPort = await freePort();
    const blocker = net.createServer().listen(pgPort, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const run = await start({ ...env, EMBEDDED_PG_PORT: String(pgPort) });
      expect(await exited(run.child)).toBe(1);
      expect(run.output()).toContain(`port ${pgPort} (the embedded PostgreSQL) is already in use. Set EMBEDDED_PG_PORT`);
    } finally {
      blocker.close();
    }
  });

  it('gives demo accounts only to hospitals whose blueprint says demo: true, never to a real one dropped into tenants/', async () => {
    const tenants = path.join(dataDir, 'tenants-mixed');
    cpSync(path.resolve(__dirname, '../../tenants/meridian'), path.join(tenants, 'meridian'), { recursive: true });
    mkdirSync(path.join(tenants, 'riverside', 'assets'), { recursive: true });
    writeFileSync(path.join(tenants, 'riverside', 'tenant.yaml'), toYaml(testBlueprint('riverside', { name: 'Riverside Real Hospital' })));
    writeFileSync(path.join(tenants, 'riverside', 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');

    const run = await start({ ...env, TENANTS_DIR: tenants });
    expect(run.output()).toContain('Consilium is ready');
    expect(run.output()).toContain('admin@meridian.example');
    expect(run.output()).not.toContain('@riverside.example');
    const url = `http://127.0.0.1:${port}`;
    const signIn = (host: string, email: string) =>
      new WebClient(url, host).submit('/console/sign-in', { email, password: 'demo-second-opinion' });
    expect((await signIn('riverside.localhost', 'admin@riverside.example')).status).toBe(400);
    expect((await signIn('meridian.localhost', 'admin@meridian.example')).status).toBe(303);
    run.child.kill('SIGTERM');
    expect(await exited(run.child)).toBe(0);
  }, 120_000);

  it('stops at boot naming a malformed variable', async () => {
    const run = await start({ ...env, PORT: 'three thousand' });
    expect(await exited(run.child)).toBe(1);
    expect(run.output()).toContain('PORT: must be a port number');
  });

  it('refuses to connect as a role that could bypass row-level security', async () => {
    const run = await start({
      PORT: String(await freePort()),
      DATABASE_URL: process.env.TEST_DATABASE_OWNER_URL!,
      APP_SECRET: Buffer.alloc(32, 3).toString('base64'),
      FILES_MASTER_KEY: Buffer.alloc(32, 4).toString('base64'),
      APPLY_TENANTS_ON_BOOT: 'false',
    });
    expect(await exited(run.child)).toBe(1);
    expect(run.output()).toMatch(
      /Refusing to start: the database role "consilium_owner" in DATABASE_URL must not bypass row-level security, but it owns/,
    );

    const operator = await start({
      PORT: String(await freePort()),
      DATABASE_URL: process.env.TEST_DATABASE_OPERATOR_URL!,
      APP_SECRET: Buffer.alloc(32, 3).toString('base64'),
      FILES_MASTER_KEY: Buffer.alloc(32, 4).toString('base64'),
    });
    expect(await exited(operator.child)).toBe(1);
    expect(operator.output()).toContain('it has BYPASSRLS');
  }, 120_000);
});
