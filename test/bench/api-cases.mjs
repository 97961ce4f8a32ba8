// The integration API's case list at scale: one hospital (the Lakeshore demo blueprint) with 100,000 cases from the
// data generator, the platform started as production runs it, and an integration walking /api/v1/cases a page of
// 100 at a time with its API key (authenticated, scoped, audited, keyset cursor), timed per page against
// /api/v1/whoami with the same key in the same run (what any API call costs before it reads a case).
//
//   npm run build && node test/bench/api-cases.mjs          (100,000 cases; several minutes)
//   node test/bench/api-cases.mjs --smoke                    (2,000 cases: checks that it runs)
//   BENCH_CASES=1000000 node test/bench/api-cases.mjs
//
// Goal (issue 24): p50 under 30 ms per page of 100 at 100,000 cases.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { benchmark, childEnv, dist, figure, freePort, require, root } from './support/harness.mjs';

const get = (port, host, url, headers = {}) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: url, headers: { host, ...headers } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body, ms: performance.now() - started }));
      })
      .on('error', reject);
  });

await benchmark(
  { name: 'api-cases', title: 'Integration API case list benchmark', timeLimitSeconds: { smoke: 150, full: 3600 } },
  async (bench) => {
    const CASES = Number(process.env.BENCH_CASES ?? (bench.smoke ? 2000 : 100_000));
    const PAGES = Number(process.env.BENCH_PAGES ?? (bench.smoke ? 10 : 300));
    const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    const ms = (n) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
    require('reflect-metadata');
    const tenancy = dist('libs/tenancy/src/index.js');
    const { CliModule } = dist('apps/cli/src/cli.module.js');
    const { AnalyticsGenerator } = dist('apps/cli/src/generator/analytics-generator.js');
    const { NestFactory } = require('@nestjs/core');
    const { Client } = require('pg');

    console.log(`  ${CASES.toLocaleString('en')} cases`);
    const db = await bench.startDatabase({
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '256MB' },
    });
    const dataDir = bench.tempDir('data');
    const cli = await NestFactory.createApplicationContext(
      CliModule.register(bench.config({ ...db.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
      {
        logger: false,
        abortOnError: false,
      },
    );
    bench.cleanup(() => cli.close());
    const report = await cli.get(tenancy.BlueprintCatalog).apply(['lakeshore'], { root: path.join(root, 'tenants') });
    if (report.problems.length) throw new Error(`blueprint: ${JSON.stringify(report.problems)}`);
    const [tenant] = (await cli.get(tenancy.TenantDirectory).list()).filter((t) => t.slug === 'lakeshore');

    // The history, written as the analytics benchmark writes it (superuser, triggers off: a benchmark shortcut), and
    // an API key with cases.read, stored as identity stores one (its SHA-256).
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
    await fastForTenant(tenant.id, (tx) =>
      tx.query(
        `WITH made AS (
         INSERT INTO accounts (tenant_id, kind, email, name) SELECT tenant_id, 'staff', 'bench-' || slug || '@generated.invalid', name
           FROM physicians WHERE tenant_id = $1 AND account_id IS NULL RETURNING id, email)
       UPDATE physicians p SET account_id = m.id FROM made m WHERE p.tenant_id = $1 AND m.email = 'bench-' || p.slug || '@generated.invalid'`,
        [tenant.id],
      ),
    );
    let started = performance.now();
    const generated = await new AnalyticsGenerator(fastForTenant).generate({
      tenantId: tenant.id,
      cases: CASES,
      days: 1095,
      seed: 24,
      batchSize: 25000,
      visitsPerCase: 1,
      maxMessages: 2,
      onProgress: () => {},
    });
    console.log(`  generated ${generated.cases.toLocaleString('en')} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const key = `ck_${randomBytes(32).toString('base64url')}`;
    await fastForTenant(tenant.id, (tx) =>
      tx.query(
        `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, created_by)
       SELECT $1, 'bench', $2, $3, ARRAY['cases.read'], id FROM accounts WHERE tenant_id = $1 AND kind = 'staff' LIMIT 1`,
        [tenant.id, key.slice(0, 10), createHash('sha256').update(key).digest()],
      ),
    );
    await writer.query('VACUUM ANALYZE');
    await writer.end();
    await cli.close();

    const port = await freePort();
    await bench.startChild({
      name: 'platform',
      args: [path.join(root, 'dist/apps/platform/src/main.js')],
      env: childEnv({ ...db.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', JOBS_RUN_IN_PLATFORM: 'false' }),
      ready: async () => (await get(port, 'localhost', '/health/ready')).status === 200,
    });
    const host = 'lakeshore.localhost';
    const auth = { authorization: `Bearer ${key}` };

    // Warm-up, then the baseline: the same credential on the API's cheapest call, as many times as there are pages.
    for (let i = 0; i < 20; i++) await get(port, host, '/api/v1/whoami', auth);
    const baseline = [];
    for (let i = 0; i < PAGES; i++) {
      const res = await get(port, host, '/api/v1/whoami', auth);
      if (res.status !== 200) throw new Error(`whoami answered ${res.status}: ${res.body}`);
      baseline.push(res.ms);
    }
    baseline.sort((a, b) => a - b);

    // The walk an integration makes: every page after the previous one, by its cursor; and one filtered by state.
    const walk = async (query, pages) => {
      const times = [];
      const seen = new Set();
      let url = `/api/v1/cases?limit=100${query}`;
      for (let i = 0; i < pages && url; i++) {
        const res = await get(port, host, url, auth);
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body}`);
        const page = JSON.parse(res.body);
        for (const c of page.data) seen.add(c.id);
        times.push(res.ms);
        url = page.nextCursor ? `/api/v1/cases?limit=100${query}&cursor=${page.nextCursor}` : '';
        if (url && page.data.length !== 100) throw new Error(`a page before the last had ${page.data.length} cases`);
      }
      return { times: times.sort((a, b) => a - b), seen: seen.size, pages: times.length };
    };
    const all = await walk('', PAGES);
    const delivered = await walk('&state=delivered,closed', Math.ceil(PAGES / 3));
    const p50 = percentile(all.times, 50);
    console.log(
      `\n  Baseline, GET /api/v1/whoami with the same key: p50 ${ms(percentile(baseline, 50))}, p95 ${ms(percentile(baseline, 95))}`,
    );
    console.log(
      `  GET /api/v1/cases, ${all.pages} pages of 100 in a row: p50 ${ms(p50)}, p95 ${ms(percentile(all.times, 95))} (${(p50 / percentile(baseline, 50)).toFixed(1)}x the baseline; goal p50 < 30 ms)`,
    );
    console.log(
      `  GET /api/v1/cases?state=delivered,closed, ${delivered.pages} pages: p50 ${ms(percentile(delivered.times, 50))}, p95 ${ms(percentile(delivered.times, 95))}`,
    );
    const trivial = { label: 'GET /api/v1/whoami, same key', unit: 'ms' };
    return {
      params: { cases: generated.cases, pages: PAGES },
      figures: [
        figure({
          id: 'cases-page-p50',
          label: `GET /api/v1/cases page of 100, p50 (${generated.cases.toLocaleString('en-US')} cases)`,
          value: p50,
          unit: 'ms',
          baseline: { ...trivial, value: percentile(baseline, 50) },
          goal: { on: 'value', op: '<', target: 30, unit: 'ms' },
        }),
        figure({
          id: 'cases-page-p95',
          label: 'GET /api/v1/cases page of 100, p95',
          value: percentile(all.times, 95),
          unit: 'ms',
          baseline: { ...trivial, value: percentile(baseline, 95) },
        }),
        figure({
          id: 'cases-by-state-p50',
          label: 'GET /api/v1/cases?state=delivered,closed page of 100, p50',
          value: percentile(delivered.times, 50),
          unit: 'ms',
          baseline: { ...trivial, value: percentile(baseline, 50) },
          goal: { on: 'value', op: '<', target: 30, unit: 'ms' },
        }),
      ],
      checks: [{ label: 'every case of the walk is on exactly one page', ok: all.seen === all.pages * 100 || !all.pages }],
    };
  },
);
