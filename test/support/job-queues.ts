import { Client } from 'pg';

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
