import { TenantDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { eventually } from './eventually';

/**
 * Creates pg-boss queues for test-only jobs as the owner role, the way a migration creates a real queue (the
 * runtime role may not).
 */
export async function createTestQueues(ownerUrl: string, names: string[]): Promise<void> {
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    for (const name of names) await owner.query(`SELECT pgboss.create_queue($1, '{"policy": "standard"}')`, [name]);
  } finally {
    await owner.end();
  }
}

export interface JobRow {
  id: string;
  state: string;
  retry_count: number;
  retry_limit: number;
  retry_delay: number;
  retry_backoff: boolean;
  start_after: Date;
  started_on: Date | null;
  output: Record<string, unknown> | null;
  data: Record<string, unknown>;
}

export async function jobRows(url: string, where: string, params: unknown[]): Promise<JobRow[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (
      await client.query(
        `SELECT id, state::text, retry_count, retry_limit, retry_delay, retry_backoff, start_after, started_on, output, data FROM pgboss.job WHERE ${where}`,
        params,
      )
    ).rows;
  } finally {
    await client.end();
  }
}

/**
 * Waits until the job queues are quiescent: the app's own runner (when it runs one) has every queue loop asleep and
 * no attempt in flight, and no job of those queues is due or running in the database, whoever runs it (twenty's
 * wait-for-queue-quiescence). By default the queues are the runner's, or every queue when it does not run. Throws,
 * naming what is still going on, after `timeoutMs`.
 */
export async function waitForIdleQueues(
  app: INestApplicationContext,
  options: { queues?: string[]; timeoutMs?: number } = {},
): Promise<void> {
  const runner = app.get(JobRunner);
  const queues = options.queues ?? (runner.running ? [...runner.handlers().keys()] : null);
  await eventually(async () => {
    if (runner.running && !runner.idle) throw new Error('the job runner is still busy');
    const busy: { name: string; state: string; n: number }[] = await app.get(TenantDatabase).withoutTenant((tx) =>
      tx.query(
        `SELECT name, state::text AS state, count(*)::int AS n FROM pgboss.job
          WHERE (state = 'active' OR (state IN ('created', 'retry') AND start_after <= now())) AND ($1::text[] IS NULL OR name = ANY($1))
          GROUP BY 1, 2`,
        [queues],
      ),
    );
    if (busy.length) throw new Error(`jobs still to run: ${busy.map((b) => `${b.name} ${b.state} ${b.n}`).join(', ')}`);
  }, options.timeoutMs ?? 15000);
}
