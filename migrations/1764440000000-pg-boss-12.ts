import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';

const RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * pg-boss 10 -> 12 (schema 24 -> 46). pg-boss 11 rewrote its schema and ships no migration from 24: its release notes
 * ask for a new schema and the jobs moved over with INSERT ... SELECT. So, as the owner, in one transaction: the old
 * schema is set aside, 12's schema is created from a snapshot (checked against the installed package by
 * libs/jobs/src/pg-boss-schema.spec.ts), every queue is created again with its options, every job is copied with its
 * state, retries, schedule and last error (and the dead jobs pg-boss 10 had archived, so operators still see and can
 * retry them), the runtime and operator roles get the same grants as before, and the old schema is dropped.
 *
 * What changed in the shape: queues share one table (`job_common`, pg-boss 11's default) instead of a partition each;
 * there is no archive: completed and dead jobs stay in the job table for 30 days (`deletion_seconds`), then
 * maintenance deletes them.
 *
 * Run it with the workers stopped (`cli migrate` before the new image starts, as every deploy does): a pg-boss 10
 * worker cannot read the new schema.
 */
export class PgBoss121764440000000 implements MigrationInterface {
  name = 'PgBoss121764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SCHEMA pgboss RENAME TO pgboss_v10`);
    await q.query(readFileSync(path.join(__dirname, 'sql', 'pgboss-v46.sql'), 'utf8'));
    await q.query(`
      -- Dead-letter targets first: a queue's dead letter must exist before it.
      SELECT pgboss.create_queue(name, jsonb_strip_nulls(jsonb_build_object(
               'policy', COALESCE(policy, 'standard'),
               'retryLimit', retry_limit,
               'retryDelay', retry_delay,
               'retryBackoff', retry_backoff,
               'expireInSeconds', expire_seconds,
               'retentionSeconds', retention_minutes * 60,
               'deleteAfterSeconds', ${RETENTION_SECONDS},
               'deadLetter', dead_letter)))
        FROM pgboss_v10.queue
       ORDER BY dead_letter IS NOT NULL, name;

      INSERT INTO pgboss.job (id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff,
                              expire_seconds, deletion_seconds, singleton_key, singleton_on, start_after, created_on,
                              started_on, completed_on, keep_until, output, dead_letter, policy)
      SELECT j.id, j.name, j.priority, j.data, j.state::text::pgboss.job_state, j.retry_limit, j.retry_count, j.retry_delay,
             j.retry_backoff, GREATEST(1, extract(epoch FROM j.expire_in))::int, ${RETENTION_SECONDS}, j.singleton_key,
             j.singleton_on, j.start_after, j.created_on, j.started_on, j.completed_on, j.keep_until, j.output, j.dead_letter,
             q.policy
        FROM (SELECT id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, expire_in,
                     singleton_key, singleton_on, start_after, created_on, started_on, completed_on, keep_until, output,
                     dead_letter
                FROM pgboss_v10.job
              UNION ALL
              SELECT id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, expire_in,
                     singleton_key, singleton_on, start_after, created_on, started_on, completed_on, keep_until, output,
                     dead_letter
                FROM pgboss_v10.archive WHERE state = 'failed') j
        JOIN pgboss.queue q ON q.name = j.name
      ON CONFLICT DO NOTHING;

      DROP SCHEMA pgboss_v10 CASCADE;
    `);
    await q.query(grants());
  }

  /** Back to pg-boss 10's schema with its queues and the jobs not yet finished (completed ones are not kept). */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SCHEMA pgboss RENAME TO pgboss_v12`);
    await q.query(readFileSync(path.join(__dirname, 'sql', 'pgboss-v24.sql'), 'utf8'));
    await q.query(`
      SELECT pgboss.create_queue(name, json_build_object('policy', policy, 'retryLimit', retry_limit, 'retryDelay', retry_delay,
               'retryBackoff', retry_backoff, 'expireInSeconds', expire_seconds, 'retentionMinutes', retention_seconds / 60))
        FROM pgboss_v12.queue ORDER BY name;
      INSERT INTO pgboss.job (id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff,
                              start_after, started_on, singleton_key, singleton_on, expire_in, created_on, completed_on,
                              keep_until, output, dead_letter, policy)
      SELECT id, name, priority, data, state::text::pgboss.job_state, retry_limit, retry_count, retry_delay, retry_backoff,
             start_after, started_on, singleton_key, singleton_on, expire_seconds * interval '1 second', created_on,
             completed_on, keep_until, output, dead_letter, policy
        FROM pgboss_v12.job WHERE state <> 'completed';
      DROP SCHEMA pgboss_v12 CASCADE;
      GRANT USAGE ON SCHEMA pgboss TO consilium_app, consilium_operator;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO consilium_app;
      GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO consilium_operator;
      GRANT INSERT, UPDATE ON pgboss.job TO consilium_operator;
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consilium_app;
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss GRANT SELECT ON TABLES TO consilium_operator;
      REVOKE EXECUTE ON FUNCTION pgboss.create_queue(text, json), pgboss.delete_queue(text) FROM PUBLIC;
    `);
  }
}

/** The same division of rights as the first jobs migration (1764360000000), for pg-boss 12's tables. */
function grants(): string {
  return `
    GRANT USAGE ON SCHEMA pgboss TO consilium_app, consilium_operator;
    -- Fetch, complete, fail (a delete and re-insert in pg-boss 12), supervision: all DML, no DDL.
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO consilium_app;
    -- Operator code enqueues (onboarding sends invitations) into the shared job table, lists dead jobs and puts them
    -- back for retry; it never deletes jobs or supervises.
    GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO consilium_operator;
    GRANT INSERT, UPDATE ON pgboss.job, pgboss.job_common TO consilium_operator;
    -- Tables a later migration adds (a queue with a partition of its own) get the same grants.
    ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consilium_app;
    ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss
      GRANT SELECT ON TABLES TO consilium_operator;
    -- Queues are schema: only migrations create or drop them. The job_table_run* helpers run DDL for migrations.
    REVOKE EXECUTE ON FUNCTION pgboss.create_queue(text, jsonb), pgboss.delete_queue(text),
      pgboss.job_table_run(text, text, text), pgboss.job_table_run_async(text, int, text, text, text) FROM PUBLIC;
  `;
}
