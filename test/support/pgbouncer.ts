import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { eventually } from './eventually';
import { freePort } from './ports';
import { tempDir } from './temp-dirs';

/** The Debian package's binary, or undefined when pgbouncer is not installed (suites then skip and say so). */
export function pgbouncerBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return undefined;
}

export const PGBOUNCER_MISSING = 'pgbouncer is not installed (apt-get install -y pgbouncer; CI installs it): skipping the pooled suite';

export interface Pgbouncer {
  /** `url` with host and port replaced by the pooler's. */
  through(url: string): string;
  /** The admin console (SHOW POOLS, SHOW STATS), as the pooler's admin user. */
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts pgbouncer in transaction pooling mode in front of the database of `urls` (each URL's user and password go to
 * its auth file): `poolSize` server connections shared by up to `maxClients` client connections.
 */
export async function startPgbouncer(urls: string[], options: { poolSize: number; maxClients: number }): Promise<Pgbouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error(PGBOUNCER_MISSING);
  const target = new URL(urls[0]);
  const database = target.pathname.slice(1);
  const port = await freePort();
  const dir = tempDir('pgbouncer');
  // pgbouncer will not run as root: it drops to the postgres user (-u), who must read these files.
  chmodSync(dir.dir, 0o755);
  const users = new Map(urls.map((u) => new URL(u)).map((u) => [decodeURIComponent(u.username), decodeURIComponent(u.password)]));
  users.set('pgbouncer_admin', 'admin-only-here');
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(path.join(dir.dir, 'users.txt'), [...users].map(([u, p]) => `${quote(u)} ${quote(p)}`).join('\n') + '\n', { mode: 0o644 });
  writeFileSync(
    path.join(dir.dir, 'pgbouncer.ini'),
    [
      '[databases]',
      // The platform's statement timeout is a startup parameter, which a pooler cannot pass per client: each server
      // connection sets it once instead (deploy/SCALING.md says the same for production).
      `${database} = host=${target.hostname} port=${target.port} dbname=${database} connect_query='SET statement_timeout = 15000'`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = plain',
      `auth_file = ${path.join(dir.dir, 'users.txt')}`,
      'admin_users = pgbouncer_admin',
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize}`,
      `max_client_conn = ${options.maxClients}`,
      'ignore_startup_parameters = extra_float_digits,statement_timeout',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const args = process.getuid?.() === 0 ? ['-u', 'postgres', path.join(dir.dir, 'pgbouncer.ini')] : [path.join(dir.dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
  await waitForPort(port, child, output);
  const through = (url: string) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  return {
    through,
    adminUrl: `postgres://pgbouncer_admin:admin-only-here@127.0.0.1:${port}/pgbouncer`,
    async stop() {
      if (child.exitCode === null && !child.signalCode) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      dir.remove();
    },
  };
}

function waitForPort(port: number, child: ChildProcess, output: string[]): Promise<void> {
  return eventually(async () => {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${output.join('')}`);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.on('error', () => reject(new Error(`pgbouncer did not listen on ${port}: ${output.join('')}`)));
    });
  });
}
