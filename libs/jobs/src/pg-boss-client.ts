import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import PgBoss from 'pg-boss';
import { EntityManager } from 'typeorm';

export const PGBOSS_SCHEMA = 'pgboss';

/**
 * The one pg-boss instance of a process. Enqueueing never opens its pool: jobs are inserted through the caller's
 * transaction. Only a process that runs handlers calls `start()`, which opens the pool and the maintenance timer
 * (expiring the jobs of crashed workers, archiving old ones).
 */
@Injectable()
export class PgBossClient {
  private readonly logger = new Logger('Jobs');
  private instance?: PgBoss;
  private started = false;

  constructor(private readonly config: AppConfig) {}

  get boss(): PgBoss {
    // Built on first use: the embedded database URL is only known once the process has started PostgreSQL.
    this.instance ??= this.create();
    return this.instance;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: this.config.jobs.stopTimeoutMs });
  }

  private create(): PgBoss {
    const boss = new PgBoss({
      connectionString: this.config.database.runtime,
      application_name: 'consilium-jobs',
      schema: PGBOSS_SCHEMA,
      max: this.config.jobs.concurrency + 2,
      // The schema and every queue come from migrations, run as the owner; the runtime role may not create tables.
      migrate: false,
      // Cron schedules would need an internal queue created at boot; none are used yet.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: this.config.jobs.maintenanceSeconds,
      archiveCompletedAfterSeconds: 24 * 3600,
      // Dead jobs stay in the live table, visible to operators and retryable, for 30 days.
      archiveFailedAfterSeconds: 30 * 24 * 3600,
      deleteAfterDays: 30,
    });
    // Without a listener an 'error' event would crash the process; these are connection or maintenance errors.
    boss.on('error', (error: Error) => this.logger.error({ err: { name: error.name, message: error.message } }, 'pg-boss error'));
    return boss;
  }
}

/**
 * Lets pg-boss run its SQL on the caller's open transaction (STACK.md): the job row commits or rolls back with the
 * business change that caused it.
 */
export function transactionExecutor(tx: EntityManager): PgBoss.Db {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new Error(
      "Jobs are enqueued inside the caller's transaction: pass the EntityManager of TenantDatabase.forTenant()/transaction().",
    );
  }
  return {
    executeSql: async (text: string, values: unknown[] = []) => ({ rows: (await runner.query(text, values, true)).records ?? [] }),
  };
}
