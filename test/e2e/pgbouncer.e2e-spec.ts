import { TenantDatabase } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { Pgbouncer, PGBOUNCER_MISSING, pgbouncerBinary, startPgbouncer } from '../support/pgbouncer';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const available = Boolean(pgbouncerBinary());
if (!available) console.warn(PGBOUNCER_MISSING);

/**
 * pgbouncer (the Debian package) in transaction pooling mode between the platform and PostgreSQL: 20 server
 * connections for 200 clients. A server connection serves many clients one transaction at a time, so the tenant
 * setting must end with its transaction, and nothing may rely on session state (LISTEN goes to DATABASE_DIRECT_URL).
 */
(available ? describe : describe.skip)('the platform through pgbouncer (transaction pooling)', () => {
  let db: IsolatedDatabase;
  let bouncer: Pgbouncer;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    db = await isolatedDatabase('pgbouncer');
    // 200 clients of this test, and room for the app's own pool (DATABASE_POOL_SIZE, 10) beside them.
    bouncer = await startPgbouncer([db.env.DATABASE_URL], { poolSize: 20, maxClients: 220 });
    app = await createTestApp({ ...db.env, DATABASE_URL: bouncer.through(db.env.DATABASE_URL), DATABASE_DIRECT_URL: db.env.DATABASE_URL });
    a = await createTestHospital(app);
    b = await createTestHospital(app);
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await bouncer?.stop();
    await db?.drop();
  });

  const pooledClient = async () => {
    const client = new Client({ connectionString: bouncer.through(db.env.DATABASE_URL) });
    await client.connect();
    return client;
  };

  it('keeps the tenant setting inside its transaction: 200 clients on 20 server connections each see only their own', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, pooledClient));
    try {
      const seen = await Promise.all(
        clients.map(async (client, i) => {
          const tenant = i % 2 ? a : b;
          await client.query('BEGIN');
          await client.query(`SET LOCAL app.tenant_id = '${tenant.id}'`);
          // A parameterized (extended protocol, unnamed statement) query, as TypeORM and pg send them.
          const { rows } = await client.query<{ setting: string; mine: boolean }>(
            `SELECT current_setting('app.tenant_id') AS setting, count(*) FILTER (WHERE id = $1) = count(*) AS mine FROM tenants`,
            [tenant.id],
          );
          await client.query('COMMIT');
          // The next transaction, on whichever server connection the pooler gives: no tenant left behind.
          const after = await client.query<{ setting: string | null; n: number }>(
            `SELECT nullif(current_setting('app.tenant_id', true), '') AS setting, (SELECT count(*)::int FROM tenants) AS n`,
          );
          return { ok: rows[0].setting === tenant.id && rows[0].mine, after: after.rows[0] };
        }),
      );
      expect(seen.filter((s) => !s.ok)).toEqual([]);
      expect(seen.filter((s) => s.after.setting !== null || s.after.n !== 0)).toEqual([]);
      const admin = new Client({ connectionString: bouncer.adminUrl });
      await admin.connect();
      try {
        const pools = (await admin.query('SHOW POOLS')).rows.filter((p: { database: string }) => p.database !== 'pgbouncer');
        const servers = pools.reduce(
          (n: number, p: Record<string, string>) => n + Number(p.sv_active) + Number(p.sv_idle) + Number(p.sv_used),
          0,
        );
        expect(servers).toBeGreaterThan(0);
        expect(servers).toBeLessThanOrEqual(20);
        const clientsSeen = pools.reduce((n: number, p: Record<string, string>) => n + Number(p.cl_active) + Number(p.cl_waiting), 0);
        expect(clientsSeen).toBeGreaterThanOrEqual(200);
      } finally {
        await admin.end();
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('serves each hospital its own pages and rows, and the other hospital’s as not found', async () => {
    const tenants = app.get(TenantDatabase);
    const own = await tenants.forTenant(a.id, (tx) => tx.query<{ id: string }[]>('SELECT id FROM tenants'));
    expect(own.map((r) => r.id)).toEqual([a.id]);
    const other = await tenants.forTenant(a.id, (tx) => tx.query('SELECT id FROM tenants WHERE id = $1', [b.id]));
    expect(other).toEqual([]);
    const home = await new WebClient(app, a.host).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain(a.name);
    expect((await new WebClient(app, 'unknown.example.test').get('/')).status).toBe(404);
  });
});
