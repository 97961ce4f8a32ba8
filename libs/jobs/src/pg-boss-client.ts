import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, directUrl } from '@consilium/core';
import { ConstructorOptions, Db, PgBoss } from 'pg-boss';
import { EntityManager } from 'typeorm';

export const PGBOSS_SCHEMA = 'pgboss';

/** Completed and dead jobs stay this long in pg-boss's table: dead ones visible to operators and retryable. */
export const JOB_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * pg-boss in this process, as two instances with their own small pools:
 *
 * - the **producer** (`producer()`), which every process that enqueues starts on first use. pg-boss 12 sends through
 *   a queue cache it fills from its own pool at start; the job row itself is still written by the caller's
 *   transaction (`transactionExecutor`). It supervises nothing and registers nothing, so a web process that runs no
 *   handlers does no maintenance, as before.
 * - the **worker** (`startWorker()`), started by the job runner only: it fetches and settles jobs and supervises the
 *   queues (expiring the attempts of crashed workers, deleting old jobs; pg-boss claims each pass in the database,
 *   so one instance does it at a time).
 */
@Injectable()
export class PgBossClient implements OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private producerStarting?: Promise<PgBoss>;
  private workerInstance?: PgBoss;

  constructor(private readonly config: AppConfig) {}

  /** The started producer instance (built on first use: the embedded database URL is only known once it runs). */
  producer(): Promise<PgBoss> {
    this.producerStarting ??= this.startInstance(this.create('producer')).catch((error: unknown) => {
      this.producerStarting = undefined;
      throw error;
    });
    return this.producerStarting;
  }

  /** The worker instance; only while the runner runs. */
  get worker(): PgBoss {
    if (!this.workerInstance) throw new Error('pg-boss is not started for fetching: JobRunner.start() starts it');
    return this.workerInstance;
  }

  async startWorker(): Promise<PgBoss> {
    if (this.workerInstance) return this.workerInstance;
    const boss = await this.startInstance(this.create('worker'));
    this.workerInstance = boss;
    return boss;
  }

  async stopWorker(): Promise<void> {
    const boss = this.workerInstance;
    if (!boss) return;
    this.workerInstance = undefined;
    // The runner has already waited for (or failed) the attempts in flight: nothing of pg-boss's own is left to drain.
    await boss.stop({ graceful: true, close: true, timeout: this.config.jobs.stopTimeoutMs });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopWorker();
    const producer = this.producerStarting;
    this.producerStarting = undefined;
    await producer?.then((boss) => boss.stop({ graceful: false, close: true })).catch(() => undefined);
  }

  private async startInstance(boss: PgBoss): Promise<PgBoss> {
    try {
      return await boss.start();
    } catch (error) {
      await boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
  }

  private create(role: 'producer' | 'worker'): PgBoss {
    const worker = role === 'worker';
    const options: ConstructorOptions = {
      // The producer only inserts (a transaction pooler is fine); the worker's polling, supervision and maintenance
      // keep a few long-lived connections, direct to PostgreSQL when DATABASE_DIRECT_URL names it (deploy/SCALING.md).
      connectionString: worker ? directUrl(this.config.database) : this.config.database.runtime,
      application_name: `consilium-jobs-${role}`,
      schema: PGBOSS_SCHEMA,
      max: worker ? this.config.jobs.concurrency + 2 : 2,
      // The schema and every queue come from migrations, run as the owner; the runtime role may not create tables,
      // so pg-boss only checks that the schema is the version it expects.
      migrate: false,
      createSchema: false,
      // Cron schedules are not used: periodic work runs on PeriodicTask.
      schedule: false,
      supervise: worker,
      // How often a crashed worker's expired attempts are put back for retry (the monitor pass, within supervision).
      superviseIntervalSeconds: this.config.jobs.maintenanceSeconds,
      monitorIntervalSeconds: this.config.jobs.maintenanceSeconds,
      // Deleting jobs past their retention (JOB_RETENTION_SECONDS) is pg-boss's daily pass.
      // Rebuilding indexes is DDL, which only the owner may run.
      reindex: false,
      // The instance registry is a heartbeat row per process; /metrics and the operator console already say what runs.
      registerInstance: false,
      // Our own NOTIFY (JobWakeup) wakes idle workers; pg-boss's listener would be a second connection for the same.
      useListenNotify: false,
    };
    const boss = new PgBoss(options);
    // Without a listener an 'error' event would crash the process; these are connection or maintenance errors.
    boss.on('error', (error: Error) => this.logger.error({ err: { name: error.name, message: error.message } }, 'pg-boss error'));
    // Slow queries, a growing backlog, vacuum falling behind: its own words, never job data.
    boss.on('warning', (warning: { message: string }) => this.logger.warn({ warning: warning.message }, 'pg-boss warning'));
    return boss;
  }
}

/**
 * Lets pg-boss run its SQL on the caller's open transaction (STACK.md): the job row commits or rolls back with the
 * business change that caused it.
 */
export function transactionExecutor(tx: EntityManager): Db {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new Error(
      "Jobs are enqueued inside the caller's transaction: pass the EntityManager of TenantDatabase.forTenant()/transaction().",
    );
  }
  return {
    executeSql: async (text: string, values: unknown[] = []) => ({
      rows: ((await runner.query(text, values, true)) as { records?: unknown[] }).records ?? [],
    }),
  };
}
