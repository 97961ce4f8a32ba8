import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';
import { runMigrations } from '../../libs/core/src/database/migrator';
import { allMigrations } from '../../migrations';
import { PgBoss121764440000000 } from '../../migrations/1764440000000-pg-boss-12';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';

/**
 * A database that ran on pg-boss 10 (schema 24) moves to pg-boss 12 (schema 46) by migration: every queue and every
 * job comes across with its state, retries, schedule and last error, the dead jobs pg-boss 10 had archived included,
 * and the runtime and operator roles can do what they did before.
 */
describe('pg-boss 10 -> 12 migration', () => {
  let db: IsolatedDatabase;
  const tenantId = randomUUID();
  const ids = { waiting: randomUUID(), retrying: randomUUID(), dead: randomUUID(), archived: randomUUID(), active: randomUUID() };

  const query = async <T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await isolatedDatabase('pgboss_upgrade', { empty: true });
    const upgrade = allMigrations.indexOf(PgBoss121764440000000);
    expect(upgrade).toBeGreaterThan(0);
    await runMigrations(db.owner, allMigrations.slice(0, upgrade));
    // Jobs as pg-boss 10 left them, written as its own SQL would (as the owner: the test stands in for old workers).
    await query(
      db.owner,
      `INSERT INTO pgboss.job (id, name, data, state, retry_limit, retry_count, retry_delay, retry_backoff, start_after, started_on,
                               expire_in, completed_on, output)
       VALUES ($1, 'send-email', $5, 'created', 4, 0, 30, true, now() + interval '1 hour', NULL, interval '2 minutes', NULL, NULL),
              ($2, 'send-email', $5, 'retry', 4, 1, 30, true, now() - interval '1 second', now() - interval '1 minute', interval '2 minutes', NULL,
                '{"code": "unexpected", "message": "smtp said no"}'),
              ($3, 'send-email', $5, 'failed', 4, 4, 30, true, now(), now() - interval '1 minute', interval '2 minutes', now(),
                '{"code": "rejected", "message": "the address was refused"}'),
              ($4, 'records-process', $5, 'active', 2, 0, 0, false, now(), now(), interval '10 minutes', NULL, NULL)`,
      [ids.waiting, ids.retrying, ids.dead, ids.active, { tenantId, messageId: randomUUID() }],
    );
    await query(
      db.owner,
      `INSERT INTO pgboss.archive (id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, start_after,
                                   expire_in, created_on, completed_on, keep_until, output)
       VALUES ($1, 'send-email', 0, $2, 'failed', 2, 2, 0, false, now() - interval '4 days', interval '2 minutes', now() - interval '4 days',
               now() - interval '3 days', now() + interval '10 days', '{"code": "old", "message": "archived"}')`,
      [ids.archived, { tenantId }],
    );
    await runMigrations(db.owner, allMigrations);
  }, 180000);

  afterAll(async () => {
    await db?.drop();
  });

  it('replaces the schema: version 46, the old one gone, every queue there', async () => {
    expect(await query(db.owner, 'SELECT version FROM pgboss.version')).toEqual([{ version: 46 }]);
    expect(await query(db.owner, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgboss%'`)).toEqual([{ nspname: 'pgboss' }]);
    const queues = await query<{ name: string; policy: string }>(db.owner, 'SELECT name, policy FROM pgboss.queue ORDER BY name');
    expect(queues.map((q) => q.name)).toEqual([
      'analytics-refresh',
      'assignment-deadline',
      'case-promise-due',
      'check-in-due',
      'consult-reminder',
      'records-process',
      'refund-rule',
      'send-email',
      'send-sms',
      'webhook-deliver',
    ]);
    expect(new Set(queues.map((q) => q.policy))).toEqual(new Set(['standard']));
  });

  it('keeps every job with its state, retries, schedule and last error, archived dead jobs included', async () => {
    const rows = await query<Record<string, unknown>>(
      db.owner,
      `SELECT id, name, state::text, retry_count, retry_limit, retry_delay, retry_backoff, expire_seconds, output->>'message' AS error,
              start_after > now() AS deferred
         FROM pgboss.job ORDER BY retry_count, name, state`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(rows).toHaveLength(5);
    expect(byId.get(ids.waiting)).toMatchObject({
      state: 'created',
      retry_limit: 4,
      retry_delay: 30,
      retry_backoff: true,
      expire_seconds: 120,
      deferred: true,
    });
    expect(byId.get(ids.retrying)).toMatchObject({ state: 'retry', retry_count: 1, error: 'smtp said no', deferred: false });
    expect(byId.get(ids.dead)).toMatchObject({ state: 'failed', retry_count: 4, error: 'the address was refused' });
    expect(byId.get(ids.archived)).toMatchObject({ state: 'failed', error: 'archived' });
    expect(byId.get(ids.active)).toMatchObject({ name: 'records-process', state: 'active', expire_seconds: 600 });
  });

  it('lets the runtime role fetch and settle, and the operator role retry a dead job, as before', async () => {
    const boss = new PgBoss({ connectionString: db.runtime, migrate: false, supervise: false, schedule: false, registerInstance: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      const [job] = await boss.fetch('send-email', { includeMetadata: true });
      expect(job).toMatchObject({ id: ids.retrying, retryCount: 2 });
      await boss.complete('send-email', { id: job.id, retryCount: job.retryCount }, { outcome: 'sent' });

      const operator = new Client({ connectionString: db.operator });
      await operator.connect();
      try {
        await operator.query('BEGIN');
        const result = await boss.retry('send-email', ids.dead, {
          db: { executeSql: async (text, values) => ({ rows: (await operator.query(text, values)).rows }) },
        });
        await operator.query('COMMIT');
        expect(result).toMatchObject({ affected: 1 });
      } finally {
        await operator.end();
      }
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
    const states = await query<{ id: string; state: string }>(db.owner, 'SELECT id, state::text FROM pgboss.job WHERE id = ANY($1)', [
      [ids.retrying, ids.dead],
    ]);
    expect(Object.fromEntries(states.map((s) => [s.id, s.state]))).toEqual({ [ids.retrying]: 'completed', [ids.dead]: 'retry' });
  });

  it('gives a queue table a later migration creates the same grants, and keeps queue creation to the owner', async () => {
    await query(db.owner, `SELECT pgboss.create_queue('upgrade-probe', '{"policy": "standard", "partition": true}')`);
    await query(db.runtime, `INSERT INTO pgboss.job (name, data) VALUES ('upgrade-probe', '{}')`);
    expect(await query(db.runtime, `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'upgrade-probe'`)).toEqual([{ n: 1 }]);
    await expect(query(db.runtime, `SELECT pgboss.create_queue('not-allowed', '{"policy": "standard"}')`)).rejects.toThrow(
      /permission denied/,
    );
  });
});
