import { TenantDatabase } from '@consilium/core';
import { Mailer, parseEml } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { builtEntry } from '../support/dist';
import { emailJobs, emailRows } from '../support/emails';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { tempDir } from '../support/temp-dirs';
import { freePort } from '../support/ports';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

// 20 in every run; CRASH_TRIALS=50 for the full figure (about 2 minutes more on an idle machine).
const KILLS = Number(process.env.CRASH_TRIALS ?? 20);
const PER_ROUND = 12;
const CASE = '2c4e6a8c-0e2a-4c6e-8a0c-2e4a6c8e0a2c';
/** The kill's timing: a polling period of a few milliseconds, and a random moment within a job (never a wait for an outcome). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The worker is a real child process (dist/apps/worker) and is killed with SIGKILL while it sends: no cleanup, no
 * graceful stop, connections cut, transactions rolled back by PostgreSQL. Each round enqueues messages, starts a
 * worker, waits until one of this round's jobs is in flight, and kills it at one of three moments. Afterwards a
 * last worker recovers what the dead ones left. Every message must be delivered exactly once.
 */
describe('send-email survives workers killed mid-job', () => {
  const outbox = tempDir('crash-outbox');
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let watcher: Client;
  let tenants: TestTenant[];
  let worker: string;
  const output: string[] = [];

  beforeAll(async () => {
    worker = builtEntry('apps/worker/src/main.js');
    db = await isolatedDatabase('email-crash');
    app = await createTestApp({ ...db.env, EMAIL_OUTBOX_DIR: outbox.dir });
    // Mail goes to addresses the tests make up: tenants without people are enough.
    tenants = [await createTestTenant(app), await createTestTenant(app)];
    watcher = new Client({ connectionString: db.owner });
    await watcher.connect();
  });

  afterAll(async () => {
    await watcher.end();
    await app.close();
    await db.drop();
    outbox.remove();
  });

  async function startWorker(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [worker], {
      env: {
        PATH: process.env.PATH,
        // Its health listener: a port of its own, as a worker of another run may hold the default one.
        WORKER_PORT: String(await freePort()),
        NODE_ENV: 'test',
        DATABASE_URL: db.runtime,
        APP_SECRET: Buffer.alloc(32, 1).toString('base64'),
        // The worker also processes records, whose keys this one wraps.
        FILES_MASTER_KEY: Buffer.alloc(32, 2).toString('base64'),
        MIGRATE_ON_BOOT: 'false',
        EMAIL_OUTBOX_DIR: outbox.dir,
        JOBS_CONCURRENCY: '4',
        JOBS_POLL_SECONDS: '0.5',
        JOBS_MAINTENANCE_SECONDS: '1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    return child;
  }

  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );

  const inFlight = async (ids: string[]): Promise<number> =>
    Number(
      (
        await watcher.query(
          `SELECT count(*) AS n FROM pgboss.job WHERE name = 'send-email' AND state = 'active' AND data->>'messageId' = ANY($1)`,
          [ids],
        )
      ).rows[0].n,
    );

  async function enqueueRound(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < PER_ROUND; i++) {
      const tenant = tenants[i % 2];
      ids.push(
        await app
          .get(TenantDatabase)
          .forTenant(tenant.id, (tx) =>
            app
              .get(Mailer)
              .send(tx, { tenantId: tenant.id, to: `patient-${i}@example.org`, template: 'new-message', data: { caseId: CASE } }),
          ),
      );
    }
    return ids;
  }

  /** Waits for the moment to kill: a job of this round in flight, or (moment 0) one of its files just written. */
  async function waitForMoment(ids: string[], moment: number, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (moment === 0 ? ids.some((id) => existsSync(path.join(outbox.dir, `${id}.eml`))) : (await inFlight(ids)) > 0) {
        if (moment === 2) await sleep(1 + Math.floor(Math.random() * 15));
        return;
      }
      await sleep(moment === 0 ? 1 : 2);
    }
    throw new Error(`the worker never started on this round's jobs:\n${output.join('')}`);
  }

  it(`delivers every message exactly once across ${KILLS} SIGKILLs in the middle of send-email jobs`, async () => {
    const all: string[] = [];
    let killsMidJob = 0;
    let rounds = 0;
    while (killsMidJob < KILLS && rounds < KILLS * 3) {
      const ids = await enqueueRound();
      all.push(...ids);
      const child = await startWorker();
      await waitForMoment(ids, rounds % 3, child);
      child.kill('SIGKILL');
      await exited(child);
      // The dead worker cannot finish anything: a job still active now was cut off in the middle.
      if ((await inFlight(ids)) > 0) killsMidJob++;
      rounds++;
    }
    expect(killsMidJob).toBe(KILLS);

    // Recovery as in production: a dead worker's attempts expire (fast-forwarded here instead of waiting two
    // minutes), pg-boss maintenance puts them back for retry, and a live worker sends them. The retry backoff is
    // skipped the same way.
    await watcher.query(
      `UPDATE pgboss.job SET started_on = now() - expire_seconds * interval '1 second' - interval '1 second' WHERE name = 'send-email' AND state = 'active'`,
    );
    const survivor = await startWorker();
    let pending = all;
    try {
      await eventually(
        async () => {
          await watcher.query(
            `UPDATE pgboss.job SET start_after = now() WHERE name = 'send-email' AND state = 'retry' AND start_after > now()`,
          );
          const sent = new Set(
            (await Promise.all(tenants.map((t) => emailRows(app, t.id, pending))))
              .flat()
              .filter((r) => r.status === 'sent')
              .map((r) => r.id),
          );
          pending = pending.filter((id) => !sent.has(id));
          expect(pending).toEqual([]);
        },
        90000,
        200,
      );
    } finally {
      survivor.kill('SIGTERM');
    }
    expect(await exited(survivor)).toBe(0);

    // Exactly once: one file per message, holding that message, and nothing else.
    const files = readdirSync(outbox.dir).filter((f) => f.endsWith('.eml'));
    expect(files.sort()).toEqual(all.map((id) => `${id}.eml`).sort());
    for (const id of all)
      expect(parseEml(readFileSync(path.join(outbox.dir, `${id}.eml`), 'utf8')).headers['x-consilium-message-id']).toBe(id);
    // One job per message, all completed; one ledger entry per message, each in its own tenant's ledger only.
    const jobs = await emailJobs(db.owner, all);
    expect(jobs).toHaveLength(all.length);
    expect(new Set(jobs.map((j) => j.message_id)).size).toBe(all.length);
    expect(jobs.filter((j) => j.state !== 'completed')).toEqual([]);
    for (const [index, tenant] of tenants.entries()) {
      const own = all.filter((_, i) => (i % PER_ROUND) % 2 === index);
      const effects: { effect_key: string }[] = await app
        .get(TenantDatabase)
        .forTenant(tenant.id, (tx) =>
          tx.query(`SELECT effect_key FROM job_effects WHERE effect_key = ANY($1)`, [all.map((id) => `email:${id}`)]),
        );
      expect(effects.map((e) => e.effect_key).sort()).toEqual(own.map((id) => `email:${id}`).sort());
    }
    const retried = jobs.filter((j) => j.retry_count > 0).length;
    const reconciled = jobs.filter((j) => j.output?.alreadyDelivered === true).length;
    console.log(
      `crash safety: ${all.length} messages, ${rounds} rounds, ${killsMidJob} SIGKILLs mid-job, ${retried} jobs retried after a kill, ` +
        `${reconciled} found their message already in the outbox (killed between writing it and committing), 0 lost, 0 duplicated`,
    );
  }, 480000);
});
