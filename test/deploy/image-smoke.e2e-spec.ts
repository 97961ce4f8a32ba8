import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDockerfile } from '../support/dockerfile';
import { freePort } from '../support/ports';

/**
 * The image without Docker (no engine runs here): the final stage's files are laid out as its COPY lines say, and
 * the platform is started through the same entry point, under tini when it is installed, as an unprivileged user
 * when we are root. What this cannot cover: the base image itself, apt inside it, and `npm ci --omit=dev` (the
 * checkout's node_modules stands in for the prod-deps stage).
 */
const root = path.resolve(__dirname, '../..');
const TINI = '/usr/bin/tini';
const NOBODY = { uid: 65534, gid: 65534 };

interface Image {
  dir: string;
  file: (imagePath: string) => string;
}

/** Lays out the final stage: WORKDIR /app -> dir, absolute paths -> dir/rootfs/..., stages' outputs from the checkout. */
function stageImage(): Image {
  const { stages } = readDockerfile(path.join(root, 'deploy/Dockerfile'));
  const final = stages[stages.length - 1];
  const dir = mkdtempSync(path.join(tmpdir(), 'consilium-image-'));
  chmodSync(dir, 0o755);
  const file = (imagePath: string) => (imagePath.startsWith('/') ? path.join(dir, 'rootfs', imagePath) : path.join(dir, imagePath));
  for (const copy of final.instructions.filter((i) => i.keyword === 'COPY')) {
    const [source, dest] = copy.words;
    const target = dest.endsWith('/') ? file(path.join(dest, path.basename(source))) : file(dest);
    mkdirSync(path.dirname(target), { recursive: true });
    if (copy.flags.from === 'prod-deps') symlinkSync(path.join(root, 'node_modules'), target);
    else if (copy.flags.from === 'build') cpSync(path.join(root, source.replace(/^\/app\//, '')), target, { recursive: true });
    else cpSync(path.join(root, source), target, { recursive: true });
    if (copy.flags.chmod) chmodSync(target, parseInt(copy.flags.chmod, 8));
  }
  mkdirSync(path.join(dir, '.data'));
  return { dir, file };
}

/** As root, the unprivileged user when it can reach the checkout's node_modules (a private checkout folder blocks it). */
function unprivileged(image: Image): typeof NOBODY | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync(process.execPath, ['-e', "require.resolve('pg')"], { cwd: image.dir, ...NOBODY });
  if (probe.status !== 0) {
    console.warn(
      `image smoke test: ${root} is not reachable by uid ${NOBODY.uid}; running as root (the embedded PostgreSQL then switches user itself)`,
    );
    return undefined;
  }
  chownSync(image.dir, NOBODY.uid, NOBODY.gid);
  chownSync(path.join(image.dir, '.data'), NOBODY.uid, NOBODY.gid);
  return NOBODY;
}

function get(port: number, host: string, pathname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
      .on('error', reject);
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the image, run as its final stage lays it out', () => {
  let image: Image;
  let user: typeof NOBODY | undefined;
  let entrypoint: string;
  let healthcheck: string;
  let env: Record<string, string>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    image = stageImage();
    user = unprivileged(image);
    entrypoint = image.file('/usr/local/bin/consilium');
    healthcheck = image.file('/usr/local/lib/consilium/healthcheck.js');
    env = {
      PATH: process.env.PATH!,
      CONSILIUM_APP_DIR: image.dir,
      NODE_ENV: 'production',
      // The demo in the image runs on stand-ins, chosen as deploy/README.md says (production refuses them otherwise).
      PAYMENTS_PROVIDER: 'demo',
      EMAIL_TRANSPORT: 'outbox',
      RECORDS_STORAGE: 'local',
      SMS_TRANSPORT: 'outbox',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(image.dir, { recursive: true, force: true });
  });

  it('starts the demo (embedded PostgreSQL, demo hospitals) with `platform` and no DATABASE_URL', async () => {
    const argv = existsSync(TINI) ? [TINI, '--', entrypoint, 'platform'] : [entrypoint, 'platform'];
    if (!existsSync(TINI))
      console.warn('image smoke test: tini is not installed (apt-get install tini); starting the entry point directly');
    child = spawn(argv[0], argv.slice(1), { env, ...user, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 90 s:\n${output}`)), 90000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Consilium is ready/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    const port = Number(env.PORT);
    expect(await get(port, 'localhost', '/health/ready')).toBe(200);
    expect(await get(port, 'lakeshore.localhost', '/')).toBe(200);
    expect(await get(port, 'localhost', '/static/site.css')).toBe(200);

    if (user) {
      // PostgreSQL refuses root; as an unprivileged user the embedded one must run directly, as that user.
      const pid = Number(readFileSync(path.join(image.dir, '.data/postgres/postmaster.pid'), 'utf8').split('\n')[0]);
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`\\nUid:\\s+${user.uid}\\s`));
    }
  });

  it('HEALTHCHECK: a live platform and worker pass, a silent port fails, the CLI passes without a listener', async () => {
    const check = (role: string, vars: Record<string, string> = {}) =>
      spawnSync(process.execPath, [healthcheck, role], { env: { ...env, ...vars } }).status;
    expect(check('platform')).toBe(0);
    expect(check('platform', { PORT: String(await freePort()) })).toBe(1);
    // The worker's probe listener answers on WORKER_PORT (a real worker is probed in test/e2e/faults.e2e-spec.ts);
    // here a listener answering as it does stands in, to check the script asks that port and that path.
    const asked: string[] = [];
    const workerProbe = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(req.url === '/health/live' ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => workerProbe.listen(0, '127.0.0.1', resolve));
    try {
      // Not spawnSync: the listener answering it lives in this process's event loop.
      const probed = spawn(process.execPath, [healthcheck, 'worker'], {
        env: { ...env, WORKER_PORT: String((workerProbe.address() as AddressInfo).port) },
      });
      expect(await new Promise((resolve) => probed.once('exit', resolve))).toBe(0);
      expect(asked).toEqual(['/health/live']);
    } finally {
      workerProbe.close();
    }
    expect(check('worker', { WORKER_PORT: String(await freePort()) })).toBe(1);
    expect(check('cli')).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the image's healthcheck is plain CommonJS, outside the TypeScript project
    const { roleOf } = require(healthcheck) as { roleOf: (cmdline: string) => string };
    expect(roleOf('/usr/bin/tini\0--\0/usr/local/bin/consilium\0worker\0')).toBe('worker');
    expect(roleOf('/usr/bin/tini\0--\0/usr/local/bin/consilium\0platform\0')).toBe('platform');
    expect(roleOf('/usr/bin/tini\0--\0/usr/local/bin/consilium\0cli\0migrate\0')).toBe('cli');
  });

  it('SIGTERM to PID 1 reaches node, which drains, stops PostgreSQL and exits 0', async () => {
    const pgPid = Number(readFileSync(path.join(image.dir, '.data/postgres/postmaster.pid'), 'utf8').split('\n')[0]);
    let output = '';
    child!.stdout!.on('data', (c) => (output += c));
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    expect(output).toContain('SIGTERM received');
    expect(alive(pgPid)).toBe(false);
  });

  it('runs operator commands with `cli`, prints usage with `help`, and runs anything else as given', () => {
    const run = (...args: string[]) => spawnSync(entrypoint, args, { env, ...user, encoding: 'utf8' });
    const validate = run('cli', 'tenants', 'validate');
    expect(validate.status).toBe(0);
    expect(validate.stdout).toContain('ok  tenants/lakeshore/tenant.yaml');
    expect(run('help').stdout).toContain('worker            background jobs');
    expect(run('sh', '-c', 'echo passthrough').stdout).toBe('passthrough\n');
  });
});
