// Messages per second through Mailer.send (in a tenant transaction) -> send-email job -> worker -> local outbox,
// against two baselines measured in the same run on the same database: pg-boss alone (send, fetch, complete with
// a no-op handler) and the outbox alone (writing pre-rendered messages).
//
//   npm run bench:email                 2000 messages, 8 handlers at a time
//   npm run bench:email -- 5000 16      5000 messages, 16 at a time
//
// Runs the compiled code in dist/ against a throw-away embedded PostgreSQL (default settings, fsync on).
import { mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
require('reflect-metadata');
const dist = (p) => require(path.join(root, 'dist', p));
const { loadConfig, startEmbeddedDatabase, runMigrations, TenantDatabase } = dist('libs/core/src/index.js');
const { JobRunner } = dist('libs/jobs/src/index.js');
const { Mailer, EmailRenderer } = dist('libs/notifications/src/index.js');
const { OutboxTransport } = dist('libs/notifications/src/transport/outbox-transport.js');
const { BlueprintCatalog, TenantResolver } = dist('libs/tenancy/src/index.js');
const { WorkerModule } = dist('apps/worker/src/worker.module.js');
const { allMigrations } = dist('migrations/index.js');
const { NestFactory } = require('@nestjs/core');
const PgBoss = require('pg-boss');
const { Client } = require('pg');
const { randomUUID } = require('node:crypto');

const TOTAL = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const PRODUCERS = 4;
const CASE = '2c4e6a8c-0e2a-4c6e-8a0c-2e4a6c8e0a2c';

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const rate = (n, ms) => Math.round((n / ms) * 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `work(i)` for i in [0, n) with `width` at a time. */
async function pool(n, width, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-bench-'));
chmodSync(dataDir, 0o755);
const outboxDir = path.join(dataDir, 'outbox');
const db = await startEmbeddedDatabase({ dataDir, port: await freePort(), settings: { max_connections: '200' } });
let app;
try {
  await runMigrations(db.urls.owner, allMigrations);
  const config = loadConfig({
    DATABASE_URL: db.urls.runtime,
    DATABASE_OWNER_URL: db.urls.owner,
    DATABASE_OPERATOR_URL: db.urls.operator,
    APP_SECRET: Buffer.alloc(32, 3).toString('base64'),
    FILES_MASTER_KEY: Buffer.alloc(32, 4).toString('base64'),
    EMAIL_OUTBOX_DIR: outboxDir,
    JOBS_CONCURRENCY: String(CONCURRENCY),
    JOBS_POLL_SECONDS: '0.5',
    DATABASE_POOL_SIZE: String(CONCURRENCY + PRODUCERS + 4),
    LOG_LEVEL: 'warn',
  });
  app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: false });
  const report = await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
  const tenants = report.results.map((r) => r.tenantId);
  const counter = new Client({ connectionString: db.urls.operator });
  await counter.connect();
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
  await counter.end();

  const files = readdirSync(outboxDir).filter((f) => f.endsWith('.eml')).length;
  const pipeline = rate(TOTAL, pipelineMs);
  const lines = [
    `email throughput: ${TOTAL} messages, 2 tenants, ${CONCURRENCY} send-email handlers at a time, ${PRODUCERS} producers`,
    `  baseline  pg-boss alone (send -> fetch -> complete, no-op)        ${String(rate(TOTAL, bossMs)).padStart(6)} msg/s`,
    `  baseline  outbox alone (pre-rendered .eml writes)                 ${String(rate(TOTAL, outboxMs)).padStart(6)} msg/s`,
    `  pipeline  Mailer.send in a tenant tx -> job -> worker -> outbox   ${String(pipeline).padStart(6)} msg/s end to end`,
    `            (enqueue finished after ${Math.round(enqueuedAt)} ms; enqueue alone ${rate(TOTAL, enqueueMs)} msg/s, worker draining a backlog ${rate(TOTAL, drainMs)} msg/s)`,
    `  ratio     pipeline / pg-boss alone = ${(pipeline / rate(TOTAL, bossMs)).toFixed(2)}, pipeline / outbox alone = ${(pipeline / rate(TOTAL, outboxMs)).toFixed(3)}`,
    `  check     ${files} files in the outbox for ${2 * TOTAL} messages sent`,
  ];
  console.log(lines.join('\n'));
  if (files !== 2 * TOTAL) process.exitCode = 1;
} finally {
  await app?.close();
  await db.server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
