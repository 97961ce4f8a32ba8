// Messages per second through Mailer.send (in a tenant transaction) -> send-email job -> worker -> local outbox,
// against two baselines measured in the same run on the same database: pg-boss alone (send, fetch, complete with
// a no-op handler) and the outbox alone (writing pre-rendered messages).
//
//   npm run bench:email                 2000 messages, 8 handlers at a time
//   npm run bench:email -- 5000 16      5000 messages, 16 at a time
//   npm run bench:email -- --smoke      200 messages: checks that it runs
//
// Runs the compiled code in dist/ against a throw-away embedded PostgreSQL (default settings, fsync on).
import { readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { benchmark, dist, figure, require, sleep } from './support/harness.mjs';

await benchmark({ name: 'email', title: 'Email throughput benchmark', timeLimitSeconds: { smoke: 150, full: 1800 } }, async (bench) => {
  const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
  const TOTAL = Number(numbers[0] ?? (bench.smoke ? 200 : 2000));
  const CONCURRENCY = Number(numbers[1] ?? 8);
  const PRODUCERS = 4;
  const CASE = '2c4e6a8c-0e2a-4c6e-8a0c-2e4a6c8e0a2c';
  require('reflect-metadata');
  const { TenantDatabase } = dist('libs/core/src/index.js');
  const { JobRunner } = dist('libs/jobs/src/index.js');
  const { Mailer, EmailRenderer } = dist('libs/notifications/src/index.js');
  const { OutboxTransport } = dist('libs/notifications/src/transport/outbox-transport.js');
  const { BlueprintCatalog, TenantResolver } = dist('libs/tenancy/src/index.js');
  const { WorkerModule } = dist('apps/worker/src/worker.module.js');
  const { NestFactory } = require('@nestjs/core');
  const { PgBoss } = require('pg-boss');
  const { Client } = require('pg');

  const rate = (n, ms) => Math.round((n / ms) * 1000);
  /** Runs `work(i)` for i in [0, n) with `width` at a time. */
  async function pool(n, width, work) {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < n) await work(next++);
      }),
    );
  }

  // Default settings, fsync on.
  const db = await bench.startDatabase({ settings: { max_connections: '200' } });
  const dataDir = bench.tempDir('data');
  const outboxDir = path.join(dataDir, 'outbox');
  const config = bench.config({
    ...db.env,
    DATA_DIR: dataDir,
    EMAIL_OUTBOX_DIR: outboxDir,
    JOBS_CONCURRENCY: String(CONCURRENCY),
    JOBS_POLL_SECONDS: '0.5',
    DATABASE_POOL_SIZE: String(CONCURRENCY + PRODUCERS + 4),
  });
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: false, abortOnError: false });
  bench.cleanup(() => app.close());
  const report = await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
  const tenants = report.results.map((r) => r.tenantId);
  const counter = new Client({ connectionString: db.urls.operator });
  await counter.connect();
  bench.cleanup(() => counter.end());
  const sentCount = async () => Number((await counter.query(`SELECT count(*) AS n FROM outbound_emails WHERE status = 'sent'`)).rows[0].n);

  // Baseline 1: pg-boss alone, same database, same width.
  const owner = new Client({ connectionString: db.urls.owner });
  await owner.connect();
  await owner.query(`SELECT pgboss.create_queue('bench-noop', '{"policy": "standard"}')`);
  await owner.end();
  const boss = new PgBoss({
    connectionString: db.urls.runtime,
    migrate: false,
    schedule: false,
    supervise: false,
    registerInstance: false,
    max: CONCURRENCY + PRODUCERS,
  });
  boss.on('error', () => undefined);
  await boss.start();
  let started = performance.now();
  await pool(TOTAL, PRODUCERS, (i) => boss.send('bench-noop', { tenantId: tenants[i % 2], i }));
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, CONCURRENCY / 4) }, async () => {
      while (done < TOTAL) {
        const jobs = await boss.fetch('bench-noop', { batchSize: 4 });
        if (!jobs.length) break;
        await Promise.all(jobs.map((j) => boss.complete('bench-noop', j.id)));
        done += jobs.length;
      }
    }),
  );
  const bossMs = performance.now() - started;
  await boss.stop({ graceful: false, close: true });

  // Baseline 2: the outbox alone, writing messages rendered once beforehand.
  const tenant = await app.get(TenantResolver).byId(tenants[0]);
  const rendered = app.get(EmailRenderer).render(tenant, 'new-message', 'en', { caseId: CASE });
  const rawOutbox = new OutboxTransport(path.join(dataDir, 'raw-outbox'), 'bench.example');
  started = performance.now();
  await pool(TOTAL, CONCURRENCY, () =>
    rawOutbox.send({
      id: randomUUID(),
      tenantId: tenants[0],
      tenantSlug: 'lakeshore',
      template: 'new-message',
      locale: 'en',
      from: { name: 'Bench', address: 'b@bench.example' },
      to: 'p@example.org',
      ...rendered,
      date: new Date(),
    }),
  );
  const outboxMs = performance.now() - started;

  // The pipeline, end to end: producers enqueue while the worker sends.
  const mailer = app.get(Mailer);
  const tenantDb = app.get(TenantDatabase);
  const send = (i) =>
    tenantDb.forTenant(tenants[i % 2], (tx) =>
      mailer.send(tx, { tenantId: tenants[i % 2], to: `patient-${i}@example.org`, template: 'new-message', data: { caseId: CASE } }),
    );
  const runner = app.get(JobRunner);
  await runner.start();
  started = performance.now();
  await pool(TOTAL, PRODUCERS, send);
  const enqueuedAt = performance.now() - started;
  while ((await sentCount()) < TOTAL) await sleep(20);
  const pipelineMs = performance.now() - started;

  // The same two halves apart: enqueue with no worker, then a worker draining the backlog.
  await runner.stop();
  started = performance.now();
  await pool(TOTAL, PRODUCERS, (i) => send(TOTAL + i));
  const enqueueMs = performance.now() - started;
  started = performance.now();
  await runner.start();
  while ((await sentCount()) < 2 * TOTAL) await sleep(20);
  const drainMs = performance.now() - started;
  await runner.stop();

  const files = readdirSync(outboxDir).filter((f) => f.endsWith('.eml')).length;
  const pipeline = rate(TOTAL, pipelineMs);
  const bossRate = rate(TOTAL, bossMs);
  const outboxRate = rate(TOTAL, outboxMs);
  const lines = [
    `email throughput: ${TOTAL} messages, 2 tenants, ${CONCURRENCY} send-email handlers at a time, ${PRODUCERS} producers`,
    `  baseline  pg-boss alone (send -> fetch -> complete, no-op)        ${String(bossRate).padStart(6)} msg/s`,
    `  baseline  outbox alone (pre-rendered .eml writes)                 ${String(outboxRate).padStart(6)} msg/s`,
    `  pipeline  Mailer.send in a tenant tx -> job -> worker -> outbox   ${String(pipeline).padStart(6)} msg/s end to end`,
    `            (enqueue finished after ${Math.round(enqueuedAt)} ms; enqueue alone ${rate(TOTAL, enqueueMs)} msg/s, worker draining a backlog ${rate(TOTAL, drainMs)} msg/s)`,
    `  ratio     pipeline / pg-boss alone = ${(pipeline / bossRate).toFixed(2)}, pipeline / outbox alone = ${(pipeline / outboxRate).toFixed(3)}`,
    `  check     ${files} files in the outbox for ${2 * TOTAL} messages sent`,
  ];
  console.log(lines.join('\n'));
  return {
    size: bench.smoke ? 'smoke' : numbers.length ? 'custom' : 'full',
    params: { messages: TOTAL, handlers: CONCURRENCY, producers: PRODUCERS },
    figures: [
      figure({
        id: 'pipeline',
        label: 'emails end to end (Mailer.send -> job -> worker -> outbox)',
        value: pipeline,
        unit: 'msg/s',
        baseline: { label: 'pg-boss alone, no-op handler', value: bossRate, unit: 'msg/s' },
        goal: { on: 'ratio', op: '>=', target: 0.5 },
      }),
      figure({
        id: 'drain',
        label: 'worker draining a backlog',
        value: rate(TOTAL, drainMs),
        unit: 'msg/s',
        baseline: { label: 'outbox alone, pre-rendered', value: outboxRate, unit: 'msg/s' },
      }),
    ],
    checks: [{ label: `one outbox file per message (${files} for ${2 * TOTAL})`, ok: files === 2 * TOTAL }],
  };
});
