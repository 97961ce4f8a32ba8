import { Injectable } from '@nestjs/common';
import { first, OperatorDatabase } from '@consilium/core';
import { JobFailure } from './job-errors';
import { JOBS_CHANNEL } from './job-wakeup';
import { PgBossClient, transactionExecutor } from './pg-boss-client';

export interface FailedJob {
  id: string;
  queue: string;
  tenantId: string | null;
  tenantSlug: string | null;
  attempts: number;
  createdAt: Date;
  failedAt: Date;
  /** The last error, as the runner recorded it (or pg-boss, for an expired attempt). */
  lastError: Pick<JobFailure, 'code' | 'message'> & Partial<JobFailure>;
}

export interface QueueCounts {
  queue: string;
  counts: Record<string, number>;
}

/**
 * Dead jobs (retries used up, or failed permanently) for operators, across tenants: the operator data path only.
 * pg-boss keeps them, retryable, for JOB_RETENTION_SECONDS (30 days) after they failed, with the last error in `output`.
 */
@Injectable()
export class FailedJobs {
  constructor(
    private readonly operatorDb: OperatorDatabase,
    private readonly client: PgBossClient,
  ) {}

  list(limit = 50): Promise<FailedJob[]> {
    return this.operatorDb.transaction(async (tx) => {
      const rows: FailedRow[] = await tx.query(
        `SELECT d.id, d.name, d.retry_count, d.created_on, d.completed_on, d.output,
                d.data->>'tenantId' AS tenant_id, t.slug AS tenant_slug
           FROM pgboss.job d
           LEFT JOIN tenants t ON d.data->>'tenantId' ~ '^[0-9a-f-]{36}$' AND t.id = (d.data->>'tenantId')::uuid
          WHERE d.state = 'failed'
          ORDER BY d.completed_on DESC NULLS LAST
          LIMIT $1`,
        [limit],
      );
      return rows.map(toFailedJob);
    });
  }

  /** Puts a dead job back in the queue with one more attempt. False when there is no such dead job. */
  retry(id: string): Promise<boolean> {
    return this.operatorDb.transaction(async (tx) => {
      const row = await first<{ name: string }>(tx, `SELECT name FROM pgboss.job WHERE id = $1 AND state = 'failed'`, [id]);
      if (!row) return false;
      const boss = await this.client.producer();
      const result = await boss.retry(row.name, id, { db: transactionExecutor(tx) });
      // Wakes an idle worker at commit, as enqueue does.
      await tx.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, row.name]);
      return (result as unknown as { affected: number }).affected === 1;
    });
  }

  /** Jobs per queue and state, for a health overview. */
  counts(): Promise<QueueCounts[]> {
    return this.operatorDb.transaction(async (tx) => {
      const rows: { name: string; state: string; n: number }[] = await tx.query(
        `SELECT name, state::text AS state, count(*)::int AS n FROM pgboss.job GROUP BY name, state ORDER BY name, state`,
      );
      const byQueue = new Map<string, Record<string, number>>();
      for (const r of rows) byQueue.set(r.name, { ...byQueue.get(r.name), [r.state]: r.n });
      return [...byQueue].map(([queue, counts]) => ({ queue, counts }));
    });
  }
}

interface FailedRow {
  id: string;
  name: string;
  retry_count: number;
  created_on: Date;
  completed_on: Date;
  output: Record<string, unknown> | null;
  tenant_id: string | null;
  tenant_slug: string | null;
}

function toFailedJob(r: FailedRow): FailedJob {
  const output = r.output ?? {};
  // pg-boss records an expired attempt as { value: { message } }.
  const value = (output.value ?? {}) as { message?: string };
  const lastError =
    typeof output.message === 'string'
      ? (output as unknown as JobFailure)
      : { code: 'expired', message: value.message ?? 'no error recorded' };
  return {
    id: r.id,
    queue: r.name,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug,
    attempts: r.retry_count + 1,
    createdAt: r.created_on,
    failedAt: r.completed_on,
    lastError,
  };
}
