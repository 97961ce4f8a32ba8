import { Injectable } from '@nestjs/common';
import { jobTraceContext } from '@consilium/telemetry';
import { EntityManager } from 'typeorm';
import { JobDefinition, jobDefinition, TenantJobPayload } from './job-definition';
import { JOBS_CHANNEL } from './job-wakeup';
import { JOB_RETENTION_SECONDS, PgBossClient, transactionExecutor } from './pg-boss-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface EnqueueOptions {
  /** Run no earlier than this time (or this many seconds from now). */
  startAfter?: Date | number;
}

/**
 * "When this commits, run that job." The job row is written by the caller's transaction, so it exists exactly when
 * the business change committed (a transactional outbox), and it belongs to the tenant of that transaction.
 */
@Injectable()
export class JobQueue {
  constructor(private readonly client: PgBossClient) {}

  async enqueue<P extends TenantJobPayload>(
    tx: EntityManager,
    job: JobDefinition<P> | string,
    payload: P,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const definition = typeof job === 'string' ? jobDefinition(job) : job;
    if (typeof payload?.tenantId !== 'string' || !UUID.test(payload.tenantId)) {
      throw new Error(`${definition.name}: the payload must carry the tenant's id as tenantId`);
    }
    const db = transactionExecutor(tx);
    // One round trip: which tenant this transaction is for, and a wake-up for idle workers (delivered at commit,
    // dropped on rollback).
    const { rows }: { rows: { tenant: string | null }[] } = await db.executeSql(
      `SELECT current_setting('app.tenant_id', true) AS tenant, pg_notify($1, $2)`,
      [JOBS_CHANNEL, definition.name],
    );
    if (rows[0]?.tenant !== payload.tenantId) {
      throw new Error(`${definition.name}: enqueue inside the tenant transaction of payload.tenantId (TenantDatabase.forTenant)`);
    }
    const boss = await this.client.producer();
    let id: string | null;
    try {
      // With tracing on, the job carries the trace it was enqueued in (W3C traceparent) and its handler continues it.
      id = await boss.send(
        definition.name,
        { ...payload, ...jobTraceContext() },
        {
          retryLimit: definition.retryLimit,
          retryDelay: definition.retryDelaySeconds,
          retryBackoff: definition.retryBackoff,
          expireInSeconds: definition.expireInSeconds,
          deleteAfterSeconds: JOB_RETENTION_SECONDS,
          ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
          db,
        },
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'PGBOSS_QUEUE_NOT_FOUND') {
        throw new Error(
          `Job queue "${definition.name}" does not exist: queues are created by migrations (SELECT pgboss.create_queue(...))`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    // A standard queue always takes the job; nothing returned would mean a singleton or throttle refusal.
    if (!id) throw new Error(`Job queue "${definition.name}" refused the job`);
    return id;
  }
}
