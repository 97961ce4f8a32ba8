import { ConsiliumStore, DB_ROLES, TenantContextMismatch, TenantDatabase } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ClsService } from 'nestjs-cls';
import { Client } from 'pg';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const POLICY = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)";

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

describe('tenant isolation in the database', () => {
  let app: NestFastifyApplication;
  let runtime: Client;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    app = await createTestApp({ DATABASE_POOL_SIZE: '2' });
    // Row-level security is tested on rows written directly: tenants without people are enough.
    a = await createTestTenant(app);
    b = await createTestTenant(app);
    runtime = await connect(process.env.TEST_DATABASE_URL!);
  });

  afterAll(async () => {
    await runtime.end();
    await app.close();
  });

  it('forces row-level security with the tenant policy on every table that has a tenant_id', async () => {
    const owner = await connect(process.env.TEST_DATABASE_OWNER_URL!);
    try {
      const { rows } = await owner.query(`
        SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
               (SELECT p.qual FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS using,
               (SELECT p.with_check FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS check
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         ORDER BY 1`);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const row of rows) {
        expect({ table: row.table, enabled: row.enabled, forced: row.forced, using: row.using, check: row.check }).toEqual({
          table: row.table,
          enabled: true,
          forced: true,
          using: POLICY,
          check: POLICY,
        });
      }
      // The tenants table is keyed by id, not tenant_id, and is isolated the same way.
      const [tenants] = (await owner.query(`SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'tenants'`)).rows;
      expect(tenants).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
      // Any policy other than tenant_isolation is a deliberate, listed exception.
      const extra = await owner.query(
        `SELECT tablename, policyname, cmd FROM pg_policies WHERE schemaname = 'public' AND policyname <> 'tenant_isolation' ORDER BY 1`,
      );
      expect(extra.rows).toEqual([
        { tablename: 'tenant_domains', policyname: 'host_lookup', cmd: 'SELECT' },
        // From addresses are on every email sent: bounces are matched to their tenant before it is known.
        { tablename: 'tenant_email_senders', policyname: 'sender_lookup', cmd: 'SELECT' },
      ]);
    } finally {
      await owner.end();
    }
  });

  it('connects as a runtime role that is not superuser, cannot bypass RLS and owns no table', async () => {
    const { rows } = await runtime.query(`SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`);
    expect(rows[0]).toEqual({ name: DB_ROLES.runtime, rolsuper: false, rolbypassrls: false });
    const owned = await runtime.query(`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND pg_has_role(current_user, c.relowner, 'USAGE')`);
    expect(owned.rows).toEqual([]);
  });

  it('fails closed: with no tenant set, selects see nothing and inserts fail', async () => {
    await runtime.query('BEGIN');
    try {
      expect((await runtime.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBe(0);
      expect((await runtime.query('SELECT count(*)::int AS n FROM tenant_assets')).rows[0].n).toBe(0);
      await expect(
        runtime.query(
          `INSERT INTO tenant_assets (tenant_id, name, content_type, sha256, bytes) VALUES ($1, 'x.svg', 'image/svg+xml', 'x', '\\x00')`,
          [a.id],
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await runtime.query('ROLLBACK');
    }
  });

  it('shows a tenant none of the other tenants’ rows, in every table that has a tenant_id (new tables included)', async () => {
    // Other suites write their own tenants' rows into this database meanwhile: every table is checked against them.
    const owner = await connect(process.env.TEST_DATABASE_OWNER_URL!);
    let tables: string[];
    try {
      tables = (
        await owner.query(
          `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            AND has_table_privilege($1, c.oid, 'SELECT')
          ORDER BY 1`,
          [DB_ROLES.runtime],
        )
      ).rows.map((r) => r.table);
      const widened = (
        await owner.query(
          `SELECT DISTINCT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname <> 'tenant_isolation' AND tablename <> 'tenants' ORDER BY 1`,
        )
      ).rows.map((r) => r.tablename);
      expect(widened).toEqual(['tenant_domains', 'tenant_email_senders']);
    } finally {
      await owner.end();
    }
    expect(tables).toEqual(
      expect.arrayContaining([
        'cases',
        'case_consents',
        'funding_codes',
        'funding_claims',
        'case_extras',
        'analytics_case_facts',
        'analytics_settings',
      ]),
    );
    await runtime.query('BEGIN');
    try {
      await runtime.query(`SELECT set_config('app.tenant_id', $1, true)`, [b.id]);
      // Lookups made before any tenant is known, each with its own SELECT policy: a host (tenant_domains) and a
      // sender's From address, for bounces (tenant_email_senders). Both are public facts; nothing else may be.
      const lookups = ['tenant_domains', 'tenant_email_senders'];
      for (const table of tables.filter((t) => !lookups.includes(t))) {
        const { rows } = await runtime.query(`SELECT count(*)::int AS n FROM ${runtime.escapeIdentifier(table)} WHERE tenant_id <> $1`, [
          b.id,
        ]);
        expect({ table, otherTenantsRows: rows[0].n }).toEqual({ table, otherTenantsRows: 0 });
      }
    } finally {
      await runtime.query('ROLLBACK');
    }
  });

  it("rejects writing another tenant's id inside a tenant transaction (WITH CHECK)", async () => {
    const db = app.get(TenantDatabase);
    await expect(
      db.forTenant(a.id, (tx) =>
        tx.query(
          `INSERT INTO tenant_assets (tenant_id, name, content_type, sha256, bytes) VALUES ($1, 'y.svg', 'image/svg+xml', 'y', '\\x00')`,
          [b.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(db.forTenant(a.id, (tx) => tx.query(`UPDATE tenant_assets SET tenant_id = $1`, [b.id]))).rejects.toThrow(
      /row-level security|violates foreign key/,
    );
    // B's rows are invisible from A's transaction, so an update aimed at them touches nothing.
    const [, touched] = await db.forTenant(a.id, (tx) => tx.query(`UPDATE tenant_assets SET name = name WHERE tenant_id = $1`, [b.id]));
    expect(touched).toBe(0);
  });

  it('never shows a row of the wrong tenant across 10,000 interleaved transactions on a pool of 2', async () => {
    const db = app.get(TenantDatabase);
    const tenants = [a, b];
    let wrong = 0;
    let seen = 0;
    const total = 10000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const tenant = tenants[next++ % 2];
        const rows: { tenant_id: string }[] = await db.forTenant(tenant.id, async (tx) => {
          const own: { tenant_id: string }[] = await tx.query('SELECT id AS tenant_id FROM tenants');
          const assets: { tenant_id: string }[] = await tx.query('SELECT tenant_id FROM tenant_assets');
          return [...own, ...assets];
        });
        seen += rows.length;
        wrong += rows.filter((r) => r.tenant_id !== tenant.id).length;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`pool interleaving: ${total} transactions, ${seen} rows read, ${wrong} rows of the wrong tenant`);
    expect(seen).toBe(total * 2);
    expect(wrong).toBe(0);
  }, 240_000);

  it('throws when tenant data is touched outside a tenant context', async () => {
    await expect(app.get(TenantDatabase).transaction(() => Promise.resolve(1))).rejects.toThrow(/No tenant in the current context/);
  });

  it("refuses another tenant's transaction inside a request of one tenant, and accepts its own", async () => {
    const db = app.get(TenantDatabase);
    const cls = app.get<ClsService<ConsiliumStore>>(ClsService);
    // What the tenant resolution middleware leaves in the context of a request on A's host.
    const asRequestOf = <T>(tenant: TestTenant, work: () => Promise<T>) =>
      cls.run(() => {
        cls.set('tenant', { id: tenant.id, slug: tenant.slug });
        return work();
      });
    await expect(asRequestOf(a, () => db.forTenant(b.id, () => Promise.resolve('read B')))).rejects.toThrow(TenantContextMismatch);
    await expect(asRequestOf(a, () => db.forTenant(a.id, async (tx) => (await tx.query('SELECT id FROM tenants'))[0].id))).resolves.toBe(
      a.id,
    );
    // Outside any request (jobs, the CLI, the operator host), the tenant is the caller's to name.
    await expect(db.forTenant(b.id, async (tx) => (await tx.query('SELECT id FROM tenants'))[0].id)).resolves.toBe(b.id);
  });

  it('sees no tenant’s rows with no tenant set, only the lookups that find a tenant', async () => {
    const db = app.get(TenantDatabase);
    const seen = await db.withoutTenant(async (tx) => ({
      tenants: (await tx.query('SELECT count(*)::int AS n FROM tenants'))[0].n,
      assets: (await tx.query('SELECT count(*)::int AS n FROM tenant_assets'))[0].n,
      hostOfA: (await tx.query('SELECT tenant_id FROM tenant_domains WHERE host = $1', [a.host]))[0]?.tenant_id,
    }));
    expect(seen).toEqual({ tenants: 0, assets: 0, hostOfA: a.id });
    // Inside a tenant transaction it opens its own: the tenant's rows stay out of it.
    const nested = await db.forTenant(a.id, () =>
      db.withoutTenant(async (tx) => (await tx.query('SELECT count(*)::int AS n FROM tenants'))[0].n),
    );
    expect(nested).toBe(0);
  });
});
