// Intake submissions per second: each submission is one row-level-secured tenant transaction that writes an audit
// row, enqueues a job, inserts the case with its case_events row and numbers it, through our real services
// (TenantDatabase.forTenant, JobQueue.enqueue, CasePipeline.create). The baseline is a plain `pg` loop on the same
// database in the same run, as the same runtime role under the same policies, sending equivalent statements by
// hand: set_config, the four inserts (audit, job row, case, event), then the number (counter and case in one
// statement, last, as CasePipeline.create does: the tenant's counter row is locked until commit).
//
//   npm run bench:intake                2000 submissions, 8 at a time
//   npm run bench:intake -- 5000 16     5000 submissions, 16 at a time
//   npm run bench:intake -- --smoke     200 submissions: checks that it runs
//
// Runs the compiled code in dist/ against a throw-away embedded PostgreSQL (default settings, fsync on). The two
// runs alternate in halves so neither gets only the warm (or the cold) database. Goal: ratio >= 0.5.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { benchmark, dist, figure, require } from './support/harness.mjs';

await benchmark({ name: 'intake', title: 'Intake submissions benchmark', timeLimitSeconds: { smoke: 150, full: 1800 } }, async (bench) => {
  const numbers = process.argv.slice(2).filter((a) => /^\d+$/.test(a));
  const TOTAL = Number(numbers[0] ?? (bench.smoke ? 200 : 2000));
  const WIDTH = Number(numbers[1] ?? 8);
  require('reflect-metadata');
  const { TenantDatabase } = dist('libs/core/src/index.js');
  // The operator path is its own entry point (@consilium/core/operator-data), no longer in core's index.
  const { OperatorDatabase } = dist('libs/core/src/operator-data/index.js');
  const { JobQueue } = dist('libs/jobs/src/index.js');
  const { CasePipeline, ASSIGNMENT_DEADLINE_JOB } = dist('libs/cases/src/index.js');
  const { BlueprintCatalog } = dist('libs/tenancy/src/index.js');
  const { WorkerModule } = dist('apps/worker/src/worker.module.js');
  const { NestFactory } = require('@nestjs/core');
  const { Pool } = require('pg');

  async function pool(n, width, work) {
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < n) await work(next++);
      }),
    );
  }

  async function timed(n, work) {
    const started = performance.now();
    await pool(n, WIDTH, work);
    return performance.now() - started;
  }

  const db = await bench.startDatabase({ settings: { max_connections: '100' } });
  const dataDir = bench.tempDir('data');
  const config = bench.config({
    ...db.env,
    DATA_DIR: dataDir,
    DATABASE_POOL_SIZE: String(WIDTH + 2),
    EMAIL_OUTBOX_DIR: path.join(dataDir, 'outbox'),
  });
  // abortOnError: false, so a failing boot throws here instead of a silent process.exit(1) (the logger is off).
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: false, abortOnError: false });
  bench.cleanup(() => app.close());
  const report = await app.get(BlueprintCatalog).apply(['lakeshore']);
  const tenantId = report.results[0].tenantId;
  const [patient] = await app
    .get(OperatorDatabase)
    .forTenant(tenantId, (tx) =>
      tx.query(
        `INSERT INTO accounts (tenant_id, kind, email, name) VALUES ($1, 'patient', 'bench@example.org', 'Bench Patient') RETURNING id`,
        [tenantId],
      ),
    );
  const [offering] = await app
    .get(OperatorDatabase)
    .forTenant(tenantId, (tx) => tx.query('SELECT id FROM offerings WHERE tenant_id = $1 LIMIT 1', [tenantId]));

  const tenantDb = app.get(TenantDatabase);
  const pipeline = app.get(CasePipeline);
  const jobs = app.get(JobQueue);
  const intake = {
    jurisdiction: 'US-IL',
    jurisdictionClass: 'in_state',
    route: 'direct',
    questions: ['Is surgery needed?'],
    diagnosis: 'bench',
    intakeAnswers: { a: 'b' },
  };

  // Our services: the transaction a submission commits (numbering, case, event, audit, job), RLS on.
  const service = () =>
    tenantDb.forTenant(tenantId, async (tx) => {
      const caseId = randomUUID();
      await tx.query(
        `INSERT INTO audit_events (tenant_id, actor_kind, actor_id, action, entity_type, entity_id, subject_id, outcome) VALUES ($1, 'patient', $2, 'case.submit', 'case', $3, $2, 'allowed')`,
        [tenantId, patient.id, caseId],
      );
      await jobs.enqueue(
        tx,
        ASSIGNMENT_DEADLINE_JOB,
        { tenantId, assignmentId: randomUUID() },
        { startAfter: new Date(Date.now() + 86400_000) },
      );
      // Inserts the case and its event, then numbers it: the tenant's counter row is held for one statement.
      await pipeline.create(
        tx,
        { tenantId, id: caseId, state: 'submitted', patientId: patient.id, offeringId: offering.id, submittedAt: new Date(), ...intake },
        'BEN',
        { type: 'submit', fromState: 'draft', toState: 'submitted' },
        { id: patient.id, kind: 'patient', roles: [] },
      );
    });

  // The baseline: the same statements over plain pg, same role, same policies, same width.
  const plain = new Pool({ connectionString: db.urls.runtime, max: WIDTH });
  bench.cleanup(() => plain.end());
  const baseline = async () => {
    const client = await plain.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      const caseId = randomUUID();
      await client.query(
        `INSERT INTO audit_events (tenant_id, actor_kind, actor_id, action, entity_type, entity_id, subject_id, outcome) VALUES ($1, 'patient', $2, 'case.submit', 'case', $3, $2, 'allowed')`,
        [tenantId, patient.id, caseId],
      );
      await client.query(`INSERT INTO pgboss.job (name, data, start_after) VALUES ('assignment-deadline', $1, now() + interval '1 day')`, [
        { tenantId, assignmentId: randomUUID() },
      ]);
      await client.query(
        `INSERT INTO cases (tenant_id, id, number, state, patient_id, offering_id, jurisdiction, jurisdiction_class, route, questions, diagnosis, intake_answers, submitted_at)
         VALUES ($1, $2, $3, 'submitted', $4, $5, 'US-IL', 'in_state', 'direct', $6, 'bench', $7, now())`,
        [
          tenantId,
          caseId,
          `pending-${caseId}`,
          patient.id,
          offering.id,
          JSON.stringify(intake.questions),
          JSON.stringify(intake.intakeAnswers),
        ],
      );
      await client.query(
        `INSERT INTO case_events (tenant_id, case_id, seq, type, from_state, to_state, actor_kind, actor_id, data) VALUES ($1, $2, 1, 'submit', 'draft', 'submitted', 'patient', $3, '{}')`,
        [tenantId, caseId, patient.id],
      );
      await client.query(
        `WITH n AS (
           INSERT INTO case_number_counters AS c (tenant_id, year, last_number) VALUES ($1, 2000, 1)
           ON CONFLICT (tenant_id, year) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number
         )
         UPDATE cases SET number = 'RAW-' || n.last_number FROM n WHERE cases.tenant_id = $1 AND cases.id = $2`,
        [tenantId, caseId],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  // Warm both paths, then alternate halves.
  await timed(50, service);
  await timed(50, baseline);
  const half = Math.floor(TOTAL / 2);
  const halves = { service: [], baseline: [] };
  const run = async (name, n, work) => {
    const ms = await timed(n, work);
    halves[name].push(Math.round((n / ms) * 1000));
    return ms;
  };
  let serviceMs = 0;
  let baselineMs = 0;
  serviceMs += await run('service', half, service);
  baselineMs += await run('baseline', half, baseline);
  baselineMs += await run('baseline', TOTAL - half, baseline);
  serviceMs += await run('service', TOTAL - half, service);

  const perSecond = (ms) => Math.round((TOTAL / ms) * 1000);
  const ours = perSecond(serviceMs);
  const raw = perSecond(baselineMs);
  console.log(`intake submissions: ${TOTAL} each, ${WIDTH} at a time, embedded PostgreSQL 18 (fsync on)`);
  console.log(`  our services (TenantDatabase + CasePipeline + JobQueue): ${ours} submissions/s`);
  console.log(`  plain pg, same statements:                             ${raw} submissions/s`);
  console.log(`  ratio: ${(ours / raw).toFixed(2)} (goal >= 0.5)`);
  // A busy machine moves both figures; each half shows how steady the run was.
  console.log(`  halves: services ${halves.service.join(', ')}/s; plain pg ${halves.baseline.join(', ')}/s`);
  return {
    size: bench.smoke ? 'smoke' : numbers.length ? 'custom' : 'full',
    params: { submissions: TOTAL, width: WIDTH },
    figures: [
      figure({
        id: 'submissions',
        label: 'intake submissions through our services',
        value: ours,
        unit: 'submissions/s',
        baseline: { label: 'plain pg, the same statements', value: raw, unit: 'submissions/s' },
        goal: { on: 'ratio', op: '>=', target: 0.5 },
      }),
    ],
  };
});
