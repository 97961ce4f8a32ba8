import { TenantDatabase } from '@consilium/core';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';

export interface EmailRow {
  id: string;
  status: string;
  status_reason: string | null;
  locale: string | null;
  transport: string | null;
  provider_message_id: string | null;
  data: Record<string, unknown> | null;
  to_address: string;
}

export interface EmailJob {
  id: string;
  state: string;
  output: Record<string, unknown> | null;
  message_id: string;
  retry_count: number;
}

/** A tenant's outbound_emails rows, read in that tenant's transaction (row-level security applies). */
export function emailRows(app: INestApplicationContext, tenantId: string, ids: string[]): Promise<EmailRow[]> {
  return app
    .get(TenantDatabase)
    .forTenant(tenantId, (tx) =>
      tx.query(
        'SELECT id, status, status_reason, locale, transport, provider_message_id, data, to_address FROM outbound_emails WHERE id = ANY($1) ORDER BY created_at',
        [ids],
      ),
    );
}

/** The send-email jobs of these messages, straight from pg-boss's table (as the owner of database `ownerUrl`). */
export async function emailJobs(ownerUrl: string, messageIds: string[]): Promise<EmailJob[]> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT id, state::text, output, data->>'messageId' AS message_id, retry_count FROM pgboss.job WHERE name = 'send-email' AND data->>'messageId' = ANY($1)`,
      [messageIds],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Runs `sql` as the owner: tests use it to skip a wait (a backoff delay) instead of sleeping through it. */
export async function asOwner(ownerUrl: string, sql: string, params: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}
