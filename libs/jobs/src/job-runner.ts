import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AppConfig, directUrl } from '@consilium/core';
import type { JobWithMetadata } from 'pg-boss';
import { JobDefinition, TenantJobPayload } from './job-definition';
import { JobExecution } from './job-execution';
import { JobHandler, JobHandlerInstance } from './job-handler.decorator';
import { JobWakeup } from './job-wakeup';
import { PgBossClient } from './pg-boss-client';

interface Registered {
  definition: JobDefinition;
  handler: JobHandlerInstance<TenantJobPayload>;
}

/**
 * Runs the handlers of this process: one loop per queue keeps up to JOBS_CONCURRENCY attempts in flight, fetching
 * again as soon as a slot frees (pg-boss's own `work()` sleeps a full polling interval after every batch). When a
 * queue is empty the loop sleeps until a NOTIFY from `enqueue` or the next poll.
 *
 * Stop is graceful: no new fetches, attempts in flight get JOBS_STOP_TIMEOUT_SECONDS to finish, and any still running
 * then are failed (so they retry elsewhere now, not after their expiry), before pg-boss stops.
 */
@Injectable()
export class JobRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private state: 'idle' | 'running' | 'stopping' = 'idle';
  private loops: Promise<void>[] = [];
  private readonly inflight = new Map<string, { queue: string; retryCount: number; done: Promise<void> }>();
  /** Queues whose loop is asleep, waiting for a NOTIFY or its next poll. */
  private readonly waiting = new Set<string>();
  private queues: string[] = [];
  private wakeup?: JobWakeup;
  private stopping: { signal: Promise<void>; fire: () => void } = stopSignal();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly client: PgBossClient,
    private readonly execution: JobExecution,
    private readonly config: AppConfig,
  ) {}

  get running(): boolean {
    return this.state === 'running';
  }

  /** When the job loops last fetched without an error (undefined before the first fetch): the worker's readiness. */
  lastFetchOkAt?: number;
  /** Whether the latest fetch failed (the database is away). */
  fetchFailing = false;
  /**
   * Nothing to do in this process right now: every queue's loop has found its queue empty and sleeps, and no attempt
   * is in flight. (A job enqueued or falling due wakes it again.) Tests wait for this rather than for a while.
   */
  get idle(): boolean {
    return this.state === 'running' && this.inflight.size === 0 && this.queues.every((q) => this.waiting.has(q));
  }

  /** Every handler in this process, by queue name. */
  handlers(): Map<string, Registered> {
    const found = new Map<string, Registered>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: JobHandler.KEY })) {
      const definition = this.discovery.getMetadataByDecorator(JobHandler, wrapper);
      if (!definition || !wrapper.instance) continue;
      if (found.has(definition.name)) throw new Error(`Two handlers for job "${definition.name}"`);
      found.set(definition.name, { definition, handler: wrapper.instance as JobHandlerInstance<TenantJobPayload> });
    }
    return found;
  }

  /** Starts every handler (or only `queues`). Returns the queue names it runs. */
  async start(options: { queues?: string[] } = {}): Promise<string[]> {
    if (this.state !== 'idle') throw new Error('The job runner is already running');
    const all = this.handlers();
    const chosen = [...all.values()].filter((r) => !options.queues || options.queues.includes(r.definition.name));
    await this.client.startWorker();
    try {
      await this.assertQueuesExist(chosen.map((r) => r.definition.name));
    } catch (error) {
      await this.client.stopWorker();
      throw error;
    }
    this.wakeup = new JobWakeup(directUrl(this.config.database));
    await this.wakeup.listen();
    this.state = 'running';
    this.stopping = stopSignal();
    this.loops = chosen.map((r) => this.loop(r));
    const names = chosen.map((r) => r.definition.name);
    this.queues = names;
    this.logger.log({ queues: names, concurrency: this.config.jobs.concurrency }, 'job handlers started');
    return names;
  }

  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.stopping.fire();
    this.wakeup?.wakeAll();
    await Promise.all(this.loops);
    const pending = [...this.inflight.values()].map((i) => i.done);
    const drained = await Promise.race([
      Promise.all(pending).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), this.config.jobs.stopTimeoutMs).unref()),
    ]);
    if (!drained) await this.abandonInflight();
    await this.wakeup?.close();
    await this.client.stopWorker();
    this.loops = [];
    this.queues = [];
    this.state = 'idle';
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private async loop({ definition, handler }: Registered): Promise<void> {
    const slots = this.config.jobs.concurrency;
    const mine = new Set<Promise<void>>();
    while (this.state === 'running') {
      if (mine.size >= slots) {
        await Promise.race([...mine, this.stopping.signal]);
        continue;
      }
      this.wakeup!.clear(definition.name);
      let jobs: JobWithMetadata<TenantJobPayload>[];
      try {
        jobs = await this.client.worker.fetch<TenantJobPayload>(definition.name, { batchSize: slots - mine.size, includeMetadata: true });
        this.lastFetchOkAt = Date.now();
        this.fetchFailing = false;
      } catch (error) {
        this.fetchFailing = true;
        this.logger.error({ queue: definition.name, err: { message: (error as Error).message } }, 'fetching jobs failed');
        jobs = [];
      }
      for (const job of jobs) {
        const done: Promise<void> = this.execution.run(definition, handler, job).finally(() => {
          mine.delete(done);
          this.inflight.delete(job.id);
          // A finished attempt may have left a retry that is due now; look again rather than sleep a whole poll.
          this.wakeup?.poke(definition.name);
        });
        mine.add(done);
        this.inflight.set(job.id, { queue: definition.name, retryCount: job.retryCount, done });
      }
      if (!jobs.length && this.state === 'running') {
        const sleepFor = await this.idleWait(definition.name);
        this.waiting.add(definition.name);
        try {
          await this.wakeup!.wait(definition.name, sleepFor);
        } finally {
          this.waiting.delete(definition.name);
        }
      }
    }
  }

  /**
   * How long an empty queue may sleep: the poll interval, or less when a retry or a delayed job falls due sooner
   * (retries carry no NOTIFY). One indexed read (pg-boss's fetch index on name, start_after).
   */
  private async idleWait(queue: string): Promise<number> {
    try {
      const { rows }: { rows: { due_in: number | null }[] } = await this.client.worker
        .getDb()
        .executeSql(
          `SELECT (extract(epoch FROM min(start_after) - now()) * 1000)::int AS due_in FROM pgboss.job WHERE name = $1 AND state < 'active'`,
          [queue],
        );
      const dueIn = rows[0]?.due_in;
      return dueIn === null || dueIn === undefined ? this.config.jobs.pollMs : Math.min(this.config.jobs.pollMs, Math.max(dueIn + 5, 20));
    } catch {
      return this.config.jobs.pollMs;
    }
  }

  private async abandonInflight(): Promise<void> {
    const left = [...this.inflight.entries()];
    this.logger.warn({ jobs: left.length }, 'stop timeout reached; failing the jobs still running so they are retried');
    for (const [id, { queue, retryCount }] of left) {
      await this.client.worker
        .fail(
          queue,
          { id, retryCount },
          {
            error: 'WorkerStopped',
            code: 'worker_stopped',
            message: 'The worker stopped before this attempt finished.',
            permanent: false,
          },
        )
        .catch(() => undefined);
    }
  }

  private async assertQueuesExist(names: string[]): Promise<void> {
    if (!names.length) return;
    const { rows } = await this.client.worker.getDb().executeSql(`SELECT name FROM pgboss.queue WHERE name = ANY($1)`, [names]);
    const missing = names.filter((n) => !rows.some((r: { name: string }) => r.name === n));
    if (missing.length) {
      throw new Error(
        `Job queue${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing in the database: queues are created by migrations (npm run cli -- migrate).`,
      );
    }
  }
}

function stopSignal(): { signal: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const signal = new Promise<void>((resolve) => (fire = resolve));
  return { signal, fire };
}
