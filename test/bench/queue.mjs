// The coordinator's queue at scale: one hospital (the Lakeshore demo blueprint) with 100,000 cases from the data
// generator, each with a patient of their own (a name and an address to search), and the queue's three shapes timed
// through the platform's own code (QueuePages.page: the tenant's transaction, row-level security on, the names
// joined, a page of 50 and the next page's cursor):
//   - the first page of the open queue, by promise date (the console's default);
//   - a search for a surname (a prefix range over each case's words: case_search_terms);
//   - a filtered sort: delivered cases, newest first, and the page after it by its cursor.
// Each is set against the raw indexed query that reads the same page's ids in the same run, on the same connection
// kind (the runtime role inside a tenant's transaction): the ratio is what the queue's joins, names and cursor cost.
//
//   npm run build && node test/bench/queue.mjs           (100,000 cases; a few minutes)
//   node test/bench/queue.mjs --smoke                     (2,000 cases: checks that it runs)
//   BENCH_CASES=1000000 node test/bench/queue.mjs
//
// Goal (issue 25): each p50 under 30 ms at 100,000 cases.
import path from 'node:path';
import { benchmark, dist, figure, require, root } from './support/harness.mjs';

const FIRST = ['Maria', 'James', 'Aisha', 'Wei', 'Olga', 'Carlos', 'Fatima', 'John', 'Priya', 'Kenji', 'Amara', 'Luca', 'Sofia', 'Omar'];
// A hundred surnames, each a first half and a second half: `Gar` + `cia` is one of them (about 1% of the patients).
const HEADS = ['Oka', 'Ngu', 'Schmi', 'Gar', 'Had', 'Kowal', 'Tana', 'Mor', 'Sil', 'Iva'];
const TAILS = ['for', 'yen', 'dt', 'cia', 'dad', 'ski', 'ka', 'eau', 'va', 'nova'];

await benchmark({ name: 'queue', title: 'Coordinator queue benchmark', timeLimitSeconds: { smoke: 150, full: 3600 } }, async (bench) => {
  const CASES = Number(process.env.BENCH_CASES ?? (bench.smoke ? 2000 : 100_000));
  const RUNS = Number(process.env.BENCH_RUNS ?? (bench.smoke ? 15 : 200));
  const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const ms = (n) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  require('reflect-metadata');
  const tenancy = dist('libs/tenancy/src/index.js');
  const { QueuePages } = dist('libs/cases/src/index.js');
  const { CliModule } = dist('apps/cli/src/cli.module.js');
  const { AnalyticsGenerator } = dist('apps/cli/src/generator/analytics-generator.js');
  const { NestFactory } = require('@nestjs/core');
  const { ClsService } = require('nestjs-cls');
  const { Client } = require('pg');

  console.log(`  ${CASES.toLocaleString('en')} cases`);
  const db = await bench.startDatabase({
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '256MB' },
  });
  const cli = await NestFactory.createApplicationContext(
    CliModule.register(bench.config({ ...db.env, DATA_DIR: bench.tempDir('data'), LOG_LEVEL: 'silent' })),
    { logger: false, abortOnError: false },
  );
  bench.cleanup(() => cli.close());
  const report = await cli.get(tenancy.BlueprintCatalog).apply(['lakeshore'], { root: path.join(root, 'tenants') });
  if (report.problems.length) throw new Error(`blueprint: ${JSON.stringify(report.problems)}`);
  const tenant = (await cli.get(tenancy.TenantDirectory).list()).find((t) => t.slug === 'lakeshore');

  // The history, written as the analytics benchmark writes it (superuser, triggers off: a benchmark shortcut).
  const writer = new Client({ connectionString: db.superuserUrl });
  await writer.connect();
  const fastForTenant = async (id, work) => {
    await writer.query('BEGIN');
    try {
      await writer.query(`SET LOCAL session_replication_role = replica`);
      await writer.query(`SELECT set_config('app.tenant_id', $1, true)`, [id]);
      const tx = {
        query: (sql, params) => writer.query(sql, params).then((r) => r.rows),
        queryRunner: {
          query: (sql, params, structured) =>
            writer.query(sql, params).then((r) => (structured ? { records: r.rows, affected: r.rowCount ?? 0 } : r.rows)),
        },
      };
      const result = await work(tx);
      await writer.query('COMMIT');
      return result;
    } catch (error) {
      await writer.query('ROLLBACK');
      throw error;
    }
  };
  let started = performance.now();
  const generated = await new AnalyticsGenerator(fastForTenant).generate({
    tenantId: tenant.id,
    cases: CASES,
    days: 1095,
    seed: 25,
    batchSize: 25000,
    visitsPerCase: 1,
    maxMessages: 1,
    onProgress: () => {},
  });
  // The generator shares 200 synthetic patients among all cases; a hospital's queue has a patient per case. Each
  // gets one here, named from a first name and one of 100 surnames (so a surname matches about 1% of the cases),
  // as a hospital's patients sign up (identity's table, written here by the benchmark's superuser shortcut).
  await fastForTenant(tenant.id, async (tx) => {
    await tx.query(`SET LOCAL statement_timeout = 0`);
    await tx.query(
      `CREATE TEMP TABLE bench_patients ON COMMIT DROP AS
       SELECT c.id AS case_id, gen_random_uuid() AS account_id,
              ($2::text[])[1 + (n % cardinality($2::text[]))] || ' ' || ($3::text[])[1 + (n / 3) % 10] || ($4::text[])[1 + (n / 30) % 10] AS name, n
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM cases WHERE tenant_id = $1) c`,
      [tenant.id, FIRST, HEADS, TAILS],
    );
    await tx.query(
      `INSERT INTO accounts (tenant_id, id, kind, email, name)
       SELECT $1, account_id, 'patient', lower(replace(name, ' ', '.')) || '.' || n || '@example.invalid', name FROM bench_patients`,
      [tenant.id],
    );
    await tx.query(`UPDATE cases c SET patient_id = p.account_id FROM bench_patients p WHERE c.tenant_id = $1 AND c.id = p.case_id`, [
      tenant.id,
    ]);
    // Triggers are off in this shortcut: each case's search words, as the platform's trigger writes them.
    await tx.query(
      `INSERT INTO case_search_terms (tenant_id, case_id, term)
       SELECT c.tenant_id, c.id, unnest(case_search_terms_of(c.number, a.name, a.email))
         FROM cases c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.patient_id WHERE c.tenant_id = $1`,
      [tenant.id],
    );
  });
  console.log(`  generated ${generated.cases.toLocaleString('en')} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const states = (
    await writer.query(`SELECT state, count(*)::int AS n FROM cases WHERE tenant_id = $1 GROUP BY 1 ORDER BY 2 DESC`, [tenant.id])
  ).rows;
  console.log(`  by state: ${states.map((s) => `${s.state} ${s.n.toLocaleString('en')}`).join(', ')}`);
  const coordinator = (
    await writer.query(
      `SELECT a.id FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
        WHERE a.tenant_id = $1 AND r.role IN ('coordinator', 'admin') LIMIT 1`,
      [tenant.id],
    )
  ).rows[0] ?? {
    id: (await writer.query(`SELECT id FROM accounts WHERE tenant_id = $1 AND kind = 'staff' LIMIT 1`, [tenant.id])).rows[0].id,
  };
  await writer.query('VACUUM ANALYZE');
  await writer.end();

  // The platform's code, as a request runs it: the tenant and the coordinator in the request's context.
  const pages = cli.get(QueuePages, { strict: false });
  const cls = cli.get(ClsService, { strict: false });
  const resolved = await cli.get(tenancy.TenantResolver).byId(tenant.id);
  const actor = { id: coordinator.id, kind: 'staff', roles: ['coordinator'] };
  const queue = (query) =>
    cls.run(() => {
      cls.set('tenant', resolved);
      cls.set('actor', actor);
      cls.set('locale', 'en');
      return pages.page(query, actor, 'en');
    });
  // The raw indexed query: the same page's ids, on the runtime role inside the tenant's transaction, nothing joined.
  const raw = new Client({ connectionString: db.env.DATABASE_URL });
  await raw.connect();
  bench.cleanup(() => raw.end());
  const rawQuery = async (sql, params) => {
    await raw.query('BEGIN');
    await raw.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant.id]);
    const { rows } = await raw.query(sql, params);
    await raw.query('COMMIT');
    return rows;
  };

  const surname = `${HEADS[3]}${TAILS[3]}`.toLowerCase();
  const matches = (await rawQuery(`SELECT count(*)::int AS n FROM accounts WHERE kind = 'patient' AND name ILIKE $1`, [`%${surname}%`]))[0]
    .n;
  const delivered = await queue({ state: 'delivered', sort: 'age', dir: 'desc' });
  const shapes = [
    {
      id: 'first-page',
      label: 'first page of the open queue, by promise (raw: one index range of 51 ids)',
      query: {},
      run: () => queue({}),
      raw: () =>
        rawQuery(
          `SELECT id FROM cases WHERE state = 'accepted' ORDER BY coalesce(promised_by, triage_by, 'infinity'::timestamptz), id LIMIT 51`,
        ),
    },
    {
      id: 'search',
      label: `search "${surname}" (${matches.toLocaleString('en')} cases match)`,
      query: { q: surname, state: 'all' },
      run: () => queue({ q: surname, state: 'all' }),
      raw: () =>
        rawQuery(`SELECT case_id FROM case_search_terms WHERE term >= $1 AND term < $2 LIMIT 51`, [surname, `${surname.slice(0, -1)}b`]),
    },
    {
      id: 'filtered-sort',
      label: 'delivered cases, newest first, second page by cursor',
      query: { state: 'delivered', sort: 'age', dir: 'desc', cursor: delivered.next ?? undefined },
      run: () => queue({ state: 'delivered', sort: 'age', dir: 'desc', cursor: delivered.next ?? undefined }),
      raw: () =>
        rawQuery(`SELECT id FROM cases WHERE state = 'delivered' ORDER BY coalesce(submitted_at, created_at) DESC, id DESC LIMIT 51`),
    },
  ];

  const results = [];
  const checks = [];
  for (const shape of shapes) {
    const first = await shape.run();
    checks.push({ label: `${shape.id}: a full page of 50`, ok: first.rows.length === 50 || bench.smoke });
    for (let i = 0; i < 10; i++) {
      await shape.run();
      await shape.raw();
    }
    const timed = [];
    const baseline = [];
    // Interleaved, so both see the same machine.
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await shape.run();
      timed.push(performance.now() - t);
      t = performance.now();
      await shape.raw();
      baseline.push(performance.now() - t);
    }
    // The statement's plan, as PostgreSQL ran it (the runtime role, RLS on): the scans it chose, and a check that
    // none of them reads all of the hospital's cases.
    const { sql, params } = pages.statement(shape.query, actor, new Date());
    const plan = (await rawQuery(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, params)).map((r) => r['QUERY PLAN']);
    const scans = [...new Set(plan.filter((l) => /Scan|Execution Time/.test(l)).map((l) => l.trim().replace(/\s+\(.*$/, '')))];
    console.log(`  ${shape.id} plan: ${scans.join('; ')}`);
    checks.push({ label: `${shape.id}: no sequential scan of cases`, ok: !plan.some((l) => /Seq Scan on cases/.test(l)) });
    timed.sort((x, y) => x - y);
    baseline.sort((x, y) => x - y);
    const p50 = percentile(timed, 50);
    console.log(
      `  ${shape.label}: p50 ${ms(p50)}, p95 ${ms(percentile(timed, 95))}; raw indexed query p50 ${ms(percentile(baseline, 50))} (${(p50 / percentile(baseline, 50)).toFixed(1)}x; goal p50 < 30 ms)`,
    );
    results.push(
      figure({
        id: `queue-${shape.id}-p50`,
        label: `Queue ${shape.label}, p50 (${generated.cases.toLocaleString('en-US')} cases)`,
        value: p50,
        unit: 'ms',
        baseline: { label: 'raw indexed query for the same page', unit: 'ms', value: percentile(baseline, 50) },
        goal: { on: 'value', op: '<', target: 30, unit: 'ms' },
      }),
    );
  }
  checks.push({ label: 'the search finds cases', ok: (await queue({ q: surname, state: 'all' })).rows.length > 0 });
  return { params: { cases: generated.cases, runs: RUNS }, figures: results, checks };
});
