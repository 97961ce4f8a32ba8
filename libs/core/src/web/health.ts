import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { requestFacts } from '@consilium/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { MigrationClass, pendingMigrations } from '../database/migrator';
import { MIGRATIONS } from '../database/tokens';
import { Lifecycle } from './lifecycle';

export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';

/** Past this, a database that does not answer counts as unreachable (a probe's own timeout is a few seconds). */
const DATABASE_CHECK_MS = 2500;

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

/**
 * Readiness: not draining, the database answers, every migration this version knows is applied, and whatever the
 * process adds (the worker: its job loop is running). Liveness needs none of it: a process that can answer is alive,
 * so a database failover never restarts it.
 */
@Injectable()
export class HealthProbe {
  private readonly extra = new Map<string, () => string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MIGRATIONS) private readonly migrations: MigrationClass[],
    private readonly lifecycle: Lifecycle,
  ) {}

  /** Adds a check: it answers `ok`, or a few words saying what is wrong. */
  addCheck(name: string, check: () => string): void {
    this.extra.set(name, check);
  }

  async readiness(): Promise<Readiness> {
    const checks: Record<string, string> = { shutdown: this.lifecycle.isDraining ? 'draining' : 'ok' };
    Object.assign(checks, await this.database());
    for (const [name, check] of this.extra) checks[name] = check();
    return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
  }

  private async database(): Promise<Record<string, string>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Record<string, string>>((resolve) => {
      timer = setTimeout(() => resolve({ database: 'unreachable' }), DATABASE_CHECK_MS);
    });
    const check = pendingMigrations(this.dataSource, this.migrations).then(
      (pending) => ({ database: 'ok', migrations: pending.length ? `${pending.length} pending` : 'ok' }),
      // Nothing of the error itself (addresses, driver messages) goes into the answer.
      () => ({ database: 'unreachable' }),
    );
    return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * Answers `/health/live` and `/health/ready` straight from the HTTP server's request listener, whatever the Host and
 * before anything else (tenant resolution, page cache, CSRF, sessions) runs or touches the database. Returns false for
 * any other request, which then goes on as usual.
 */
export function answerHealth(req: IncomingMessage, res: ServerResponse, readiness: () => Promise<Readiness>): boolean {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== LIVE_PATH && path !== READY_PATH) return false;
  requestFacts(req).route = path;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { status: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    return true;
  }
  if (path === LIVE_PATH) {
    send(res, 200, { status: 'ok' });
    return true;
  }
  readiness().then(
    ({ ok, checks }) => send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks }),
    () => send(res, 503, { status: 'unavailable' }),
  );
  return true;
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(json);
}
