import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import placement from '../../deploy/table-placement.json';

/**
 * The condition for distributing the database by tenant (Citus, deploy/SCALING.md): every tenant-owned table can be
 * split by `tenant_id` without losing a constraint. A primary key or unique index that leaves `tenant_id` out cannot
 * be enforced across nodes, and a foreign key between tenant tables that leaves it out would cross nodes.
 * Tables that are not split are listed in deploy/table-placement.json with the reason; a new table must be added
 * to one of its lists. deploy/SCALING.md's distribution SQL is generated from that file (`npm run scaling:sql`).
 */

/** Tables without `tenant_id` (reference or coordinator-local), and tenant tables that are reference tables anyway. */
const GLOBAL_TABLES: Record<string, { placement: 'reference' | 'local'; reason: string }> = placement.globalTables as never;
const REFERENCE_TENANT_TABLES: Record<string, { uniqueWithoutTenant: string[]; reason: string }> = placement.referenceTenantTables;

interface Key {
  table: string;
  name: string;
  columns: string[];
  primary: boolean;
}

describe('tables are ready to distribute by tenant_id', () => {
  let db: Client;
  let tables: { name: string; tenantColumn: { type: string; notNull: boolean } | null }[];
  let keys: Key[];
  let foreignKeys: { name: string; table: string; columns: string[]; refTable: string; refColumns: string[] }[];

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.TEST_DATABASE_OWNER_URL });
    await db.connect();
    tables = (
      await db.query(`
        SELECT c.relname AS name,
               (SELECT json_build_object('type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull)
                  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS "tenantColumn"
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         ORDER BY 1`)
    ).rows;
    // Unique indexes cover primary keys, UNIQUE constraints and CREATE UNIQUE INDEX alike.
    keys = (
      await db.query(`
        SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary,
               array(SELECT coalesce(a.attname::text, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND x.indisunique`)
    ).rows;
    foreignKeys = (
      await db.query(`
        SELECT c.conname AS name, t.relname AS table, r.relname AS "refTable",
               array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
               array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS "refColumns"
          FROM pg_constraint c
          JOIN pg_class t ON t.oid = c.conrelid
          JOIN pg_class r ON r.oid = c.confrelid
          JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND c.contype = 'f'`)
    ).rows;
  });

  afterAll(() => db.end());

  const distributed = () => tables.filter((t) => t.tenantColumn && !REFERENCE_TENANT_TABLES[t.name]).map((t) => t.name);
  const isDistributed = (table: string) => distributed().includes(table);

  it('knows every table: tenant-owned (tenant_id uuid NOT NULL) or listed as global with its reason', () => {
    expect(tables.length).toBeGreaterThan(10);
    const unlisted = tables
      .filter((t) => !t.tenantColumn && !GLOBAL_TABLES[t.name])
      .map((t) => `${t.name}: no tenant_id; add it to GLOBAL_TABLES with how it is placed (reference or coordinator-local)`);
    expect(unlisted).toEqual([]);
    const stale = Object.keys(GLOBAL_TABLES).filter((name) => !tables.some((t) => t.name === name && !t.tenantColumn));
    expect(stale).toEqual([]);
    for (const t of tables.filter((x) => x.tenantColumn))
      expect(`${t.name}: ${JSON.stringify(t.tenantColumn)}`).toBe(`${t.name}: {"type":"uuid","notNull":true}`);
  });

  it('gives every distributed table a primary key, and puts tenant_id in every primary key and unique index', () => {
    expect(keys.every((k) => Array.isArray(k.columns))).toBe(true); // name[] must arrive as an array, not "{a,b}"
    const problems: string[] = [];
    for (const table of distributed()) {
      if (!keys.some((k) => k.table === table && k.primary)) problems.push(`${table}: no primary key`);
      for (const k of keys.filter((x) => x.table === table && !x.columns.includes('tenant_id'))) {
        problems.push(`${table}.${k.name} (${k.columns.join(', ')}): a ${k.primary ? 'primary key' : 'unique key'} without tenant_id`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lists for each reference tenant table exactly the unique keys that keep it from being distributed', () => {
    for (const [table, { uniqueWithoutTenant }] of Object.entries(REFERENCE_TENANT_TABLES)) {
      const actual = keys
        .filter((k) => k.table === table && !k.columns.includes('tenant_id'))
        .map((k) => k.name)
        .sort();
      expect({ table, actual }).toEqual({ table, actual: [...uniqueWithoutTenant].sort() });
    }
  });

  it('keeps foreign keys between tenant tables on one tenant (tenant_id on both sides), and none from global into tenant tables', () => {
    const problems: string[] = [];
    for (const fk of foreignKeys) {
      if (isDistributed(fk.table) && isDistributed(fk.refTable)) {
        const at = fk.columns.indexOf('tenant_id');
        if (at < 0 || fk.refColumns[at] !== 'tenant_id')
          problems.push(`${fk.table}.${fk.name} -> ${fk.refTable}: not keyed by tenant_id on both sides`);
      }
      if (!isDistributed(fk.table) && isDistributed(fk.refTable))
        problems.push(`${fk.table}.${fk.name}: a reference or local table pointing into distributed ${fk.refTable}`);
    }
    expect(problems).toEqual([]);
    expect(foreignKeys.filter((fk) => isDistributed(fk.table) && isDistributed(fk.refTable)).length).toBeGreaterThan(5);
  });

  it('places every listed global table as reference or local, with a reason', () => {
    for (const [name, t] of Object.entries(GLOBAL_TABLES)) expect(`${name}: ${t.placement}`).toMatch(/: (reference|local)$/);
    for (const [name, t] of [...Object.entries(GLOBAL_TABLES), ...Object.entries(REFERENCE_TENANT_TABLES)])
      expect(`${name}: ${t.reason.length > 10}`).toBe(`${name}: true`);
  });

  it('keeps deploy/SCALING.md’s distribution SQL as `npm run scaling:sql` writes it from the same classification', () => {
    const root = join(__dirname, '../..');
    let out: string;
    try {
      out = execFileSync(process.execPath, [join(root, 'scripts/scaling-sql.mjs'), '--check'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = String((e as { stderr?: string }).stderr);
    }
    expect(out.trim()).toBe('deploy/SCALING.md matches deploy/table-placement.json.');
  });

  it('distributes, by SCALING.md’s own query, exactly the tables this test classifies as distributed', async () => {
    const doc = readFileSync(join(__dirname, '../../deploy/SCALING.md'), 'utf8');
    const step = /-- 3\.[^\n]*\n(SELECT format\('SELECT create_distributed_table[\s\S]*?) \\gexec/.exec(doc);
    expect(step).not.toBeNull();
    const statements: string[] = (await db.query(step![1])).rows.map((r: { format: string }) => r.format);
    const named = statements.map((s) => /create_distributed_table\('([a-z_]+)'/.exec(s)?.[1]).sort();
    expect(named).toEqual([...distributed()].sort());
    const reference = [...doc.matchAll(/create_reference_table\('([a-z_]+)'\)/g)].map((m) => m[1]).sort();
    const expectedReference = [
      ...Object.entries(GLOBAL_TABLES)
        .filter(([, t]) => t.placement === 'reference')
        .map(([n]) => n),
      ...Object.keys(REFERENCE_TENANT_TABLES),
    ].sort();
    expect(reference).toEqual(expectedReference);
    expect(reference).toEqual(expect.arrayContaining(['tenant_email_senders', 'tenant_payment_accounts']));
  });
});
