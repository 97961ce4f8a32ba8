import { CoreModule, TenantDatabase } from '@consilium/core';
import {
  defineJob,
  FailedJobs,
  JobContext,
  JobHandler,
  JobHandlerInstance,
  JobQueue,
  JobRunner,
  JobsModule,
  PermanentJobError,
} from '@consilium/jobs';
import { TenancyModule } from '@consilium/tenancy';
import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { allMigrations } from '../../migrations';
import { eventually } from '../support/eventually';
import { createTestQueues, jobRows, waitForIdleQueues } from '../support/job-queues';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { testConfig } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

interface Probe {
  tenantId: string;
  marker: string;
  failUntil?: number;
  key?: string;
  /** The handler holds its attempt open until the test lets it go (see `held`). */
  hold?: boolean;
}

const FLAKY = defineJob<Probe>({ name: 'test-flaky', retryLimit: 3, retryDelaySeconds: 1, retryBackoff: true, expireInSeconds: 30 });
const DOOMED = defineJob<Probe>({ name: 'test-doomed', retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 30 });
const REFUSED = defineJob<Probe>({ name: 'test-refused', retryLimit: 5, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 30 });
const EFFECT = defineJob<Probe>({ name: 'test-effect', retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 30 });

/** What the handlers saw, by marker: attempts, times, and what the tenant transaction showed them. */
const seen = new Map<string, { attempts: number[]; at: number[]; tenantSetting?: string; visibleTenants?: string[]; performed: number }>();
const record = (marker: string) => {
  const entry = seen.get(marker) ?? { attempts: [], at: [], performed: 0 };
  seen.set(marker, entry);
  return entry;
};
/** Attempts a test holds open, by marker: the handler waits on `release`, and says it has started on `started`. */
const held = new Map<string, { started: () => void; release: () => void; running: Promise<void>; released: Promise<void> }>();
function hold(marker: string) {
  let started!: () => void;
  let release!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const released = new Promise<void>((r) => (release = r));
  const gate = { started, release, running, released };
  held.set(marker, gate);
  return gate;
}

@Injectable()
@JobHandler(FLAKY)
class FlakyHandler implements JobHandlerInstance<Probe> {
  async handle(job: JobContext<Probe>) {
    const entry = record(job.payload.marker);
    entry.attempts.push(job.attempt);
    entry.at.push(Date.now());
    await job.transaction(async (tx) => {
      entry.tenantSetting = (await tx.query(`SELECT current_setting('app.tenant_id') AS t`))[0].t;
      entry.visibleTenants = (await tx.query('SELECT id FROM tenants')).map((r: { id: string }) => r.id);
    });
    if (job.payload.hold) {
      held.get(job.payload.marker)!.started();
      await held.get(job.payload.marker)!.released;
    }
    if (job.attempt <= (job.payload.failUntil ?? 0)) throw new Error(`flaky attempt ${job.attempt}`);
    return { outcome: 'ok' };
  }
}

@Injectable()
@JobHandler(DOOMED)
class DoomedHandler implements JobHandlerInstance<Probe> {
  handle(job: JobContext<Probe>): Promise<never> {
    record(job.payload.marker).attempts.push(job.attempt);
    // A driver-style message quoting a patient's address: the stored error must not keep it.
    return Promise.reject(new Error('could not deliver to patient.canary@example.org: connection reset'));
  }
}

@Injectable()
@JobHandler(REFUSED)
class RefusedHandler implements JobHandlerInstance<Probe> {
  handle(job: JobContext<Probe>): Promise<never> {
    record(job.payload.marker).attempts.push(job.attempt);
    return Promise.reject(new PermanentJobError('not_configured', 'The hospital has no sender configured.'));
  }
}

@Injectable()
@JobHandler(EFFECT)
class EffectHandler implements JobHandlerInstance<Probe> {
  async handle(job: JobContext<Probe>) {
    const entry = record(job.payload.marker);
    entry.attempts.push(job.attempt);
    return job.transaction(async (tx) => {
      const outcome = await job.once(tx, job.payload.key!, () => {
        entry.performed++;
        return Promise.resolve({ by: job.id });
      });
      // The first attempt dies after performing, before its transaction commits: the ledger row goes with it.
      if (job.payload.failUntil && job.attempt <= job.payload.failUntil) throw new Error('crash after the effect');
      return { performed: outcome.performed, by: outcome.result.by };
    });
  }
}

@Module({ providers: [FlakyHandler, DoomedHandler, RefusedHandler, EffectHandler] })
class TestHandlersModule {}

describe('jobs: transactional enqueue, tenant transactions, retries, dead jobs, dedupe', () => {
  let app: INestApplicationContext;
  let queue: JobQueue;
  let db: TenantDatabase;
  let a: TestTenant;
  let b: TestTenant;
  let isolated: IsolatedDatabase;
  const runtimeUrl = () => isolated.runtime;

  beforeAll(async () => {
    isolated = await isolatedDatabase('jobs');
    await createTestQueues(isolated.owner, [FLAKY.name, DOOMED.name, REFUSED.name, EFFECT.name]);
    // A long poll interval: a job picked up within a second was woken by the enqueue's NOTIFY.
    const config = testConfig({ ...isolated.env, JOBS_POLL_SECONDS: '30', JOBS_CONCURRENCY: '3', JOBS_STOP_TIMEOUT_SECONDS: '10' });
    @Module({
      imports: [CoreModule.forRoot({ config, migrations: allMigrations, process: 'test' }), TenancyModule, JobsModule, TestHandlersModule],
    })
    class JobsTestModule {}
    app = await NestFactory.createApplicationContext(JobsTestModule, { logger: false });
    queue = app.get(JobQueue);
    db = app.get(TenantDatabase);
    // The job queue is exercised directly, with no one signed in: tenants without people are enough.
    a = await createTestTenant(app);
    b = await createTestTenant(app);
  });

  afterAll(async () => {
    await app.close();
    await isolated.drop();
  });

  const countByMarker = async (marker: string) => (await jobRows(runtimeUrl(), `data->>'marker' = $1`, [marker])).length;

  describe('enqueue', () => {
    it('leaves no job when the transaction rolls back, and exactly one when it commits', async () => {
      const rolledBack = randomUUID();
      await expect(
        db.forTenant(a.id, async (tx) => {
          await queue.enqueue(tx, FLAKY, { tenantId: a.id, marker: rolledBack });
          throw new Error('business rule failed after the enqueue');
        }),
      ).rejects.toThrow('business rule failed');
      expect(await countByMarker(rolledBack)).toBe(0);

      const committed = randomUUID();
      const id = await db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: a.id, marker: committed }));
      const rows = await jobRows(runtimeUrl(), `data->>'marker' = $1`, [committed]);
      expect(rows.map((r) => r.id)).toEqual([id]);
      expect(rows[0]).toMatchObject({ state: 'created', retry_limit: 3, retry_delay: 1, retry_backoff: true });
    });

    it("refuses a payload for another tenant than the transaction's, and a call outside any transaction", async () => {
      const marker = randomUUID();
      await expect(db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: b.id, marker }))).rejects.toThrow(
        /tenant transaction of payload.tenantId/,
      );
      await expect(queue.enqueue(app.get(DataSource).manager, FLAKY, { tenantId: a.id, marker })).rejects.toThrow(/caller's transaction/);
      await expect(db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: 'not-a-uuid', marker }))).rejects.toThrow(/tenantId/);
      expect(await countByMarker(marker)).toBe(0);
    });
  });

  describe('running', () => {
    const runner = () => app.get(JobRunner);

    beforeAll(async () => {
      await runner().start();
      await waitForIdleQueues(app); // every queue loop has fetched once and is asleep
    });

    afterAll(async () => {
      await runner().stop();
    });

    it("runs the handler in the job's tenant transaction, seeing only that tenant, woken by the enqueue", async () => {
      const [ma, mb] = [randomUUID(), randomUUID()];
      const enqueued = Date.now();
      await db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: a.id, marker: ma }));
      await db.forTenant(b.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: b.id, marker: mb }));
      await eventually(() => expect(seen.get(ma)).toMatchObject({ attempts: [1], tenantSetting: a.id, visibleTenants: [a.id] }), 3000);
      await eventually(() => expect(seen.get(mb)).toMatchObject({ attempts: [1], tenantSetting: b.id, visibleTenants: [b.id] }), 3000);
      // The poll interval is 30 s: only the NOTIFY at commit explains a pickup this fast.
      expect(seen.get(ma)!.at[0] - enqueued).toBeLessThan(1500);
      await eventually(async () => expect((await jobRows(runtimeUrl(), `data->>'marker' = $1`, [ma]))[0].state).toBe('completed'));
    });

    it('retries a failing job with growing delays until it succeeds', async () => {
      const marker = randomUUID();
      await db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: a.id, marker, failUntil: 2 }));
      await eventually(
        async () => expect((await jobRows(runtimeUrl(), `data->>'marker' = $1`, [marker]))[0].state).toBe('completed'),
        15000,
        100,
      );
      const { attempts, at } = seen.get(marker)!;
      expect(attempts).toEqual([1, 2, 3]);
      // retryDelay 1 s with backoff: the first retry waits 1-2 s, the second 2-4 s (pg-boss adds jitter).
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(900);
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(1900);
    }, 20000);

    it('keeps a job whose retries are used up as failed, with its last error (redacted), for operators to see and retry', async () => {
      const marker = randomUUID();
      const id = await db.forTenant(b.id, (tx) => queue.enqueue(tx, DOOMED, { tenantId: b.id, marker }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('failed'), 15000, 50);
      expect(seen.get(marker)!.attempts).toEqual([1, 2]);
      const dead = (await app.get(FailedJobs).list(500)).find((j) => j.id === id)!;
      expect(dead).toMatchObject({ queue: DOOMED.name, tenantId: b.id, tenantSlug: b.slug, attempts: 2 });
      expect(dead.lastError).toMatchObject({ code: 'unexpected', message: 'could not deliver to <address>: connection reset', attempt: 2 });
      expect(JSON.stringify(dead)).not.toContain('patient.canary');

      expect(await app.get(FailedJobs).retry(id)).toBe(true);
      await eventually(() => expect(seen.get(marker)!.attempts).toEqual([1, 2, 3]), 15000);
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('failed'));
      expect(await app.get(FailedJobs).retry(randomUUID())).toBe(false);
    });

    it('fails a job at once, without retries, when the handler says retrying cannot help', async () => {
      const marker = randomUUID();
      const id = await db.forTenant(a.id, (tx) => queue.enqueue(tx, REFUSED, { tenantId: a.id, marker }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('failed'), 15000, 50);
      await waitForIdleQueues(app); // nothing more will run: no retry is due or in flight
      expect(seen.get(marker)!.attempts).toEqual([1]);
      const dead = (await app.get(FailedJobs).list(500)).find((j) => j.id === id)!;
      expect(dead.lastError).toMatchObject({ code: 'not_configured', message: 'The hospital has no sender configured.', permanent: true });
    });

    it('performs an effect once per tenant and key, however many jobs or attempts ask for it', async () => {
      const key = `probe:${randomUUID()}`;
      const [first, again, other] = [randomUUID(), randomUUID(), randomUUID()];
      const firstId = await db.forTenant(a.id, (tx) => queue.enqueue(tx, EFFECT, { tenantId: a.id, marker: first, key }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [firstId]))[0].state).toBe('completed'));
      const againId = await db.forTenant(a.id, (tx) => queue.enqueue(tx, EFFECT, { tenantId: a.id, marker: again, key }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [againId]))[0].state).toBe('completed'));
      expect(seen.get(first)!.performed).toBe(1);
      expect(seen.get(again)!.performed).toBe(0);
      expect((await jobRows(runtimeUrl(), 'id = $1', [againId]))[0].output).toEqual({ performed: false, by: firstId });

      // The same key is another tenant's own effect: the ledger is per tenant, and A's row is invisible to B.
      const otherId = await db.forTenant(b.id, (tx) => queue.enqueue(tx, EFFECT, { tenantId: b.id, marker: other, key }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [otherId]))[0].state).toBe('completed'));
      expect(seen.get(other)!.performed).toBe(1);
      const visible = (tenant: TestTenant) =>
        db.forTenant(tenant.id, (tx) => tx.query('SELECT job_id FROM job_effects WHERE effect_key = $1', [key]));
      expect(await visible(a)).toEqual([{ job_id: firstId }]);
      expect(await visible(b)).toEqual([{ job_id: otherId }]);
    });

    it('repeats an effect whose transaction never committed (the attempt died), and records it once', async () => {
      const key = `probe:${randomUUID()}`;
      const marker = randomUUID();
      const id = await db.forTenant(a.id, (tx) => queue.enqueue(tx, EFFECT, { tenantId: a.id, marker, key, failUntil: 1 }));
      await eventually(async () => expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('completed'));
      expect(seen.get(marker)).toMatchObject({ attempts: [1, 2], performed: 2 });
      const rows = await db.forTenant(a.id, (tx) => tx.query('SELECT attempt FROM job_effects WHERE effect_key = $1', [key]));
      expect(rows).toEqual([{ attempt: 2 }]);
    });
  });

  it('stops gracefully: an attempt in flight finishes before stop() returns', async () => {
    const runner = app.get(JobRunner);
    await runner.start({ queues: [FLAKY.name] });
    const marker = randomUUID();
    const gate = hold(marker);
    const id = await db.forTenant(a.id, (tx) => queue.enqueue(tx, FLAKY, { tenantId: a.id, marker, hold: true }));
    await gate.running;
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    // Stopping: no new fetch, and stop() waits while the attempt is still in flight.
    await eventually(() => expect(runner.running).toBe(false));
    expect(stopped).toBe(false);
    expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('active');
    gate.release();
    await stopping;
    expect((await jobRows(runtimeUrl(), 'id = $1', [id]))[0].state).toBe('completed');
  });
});
