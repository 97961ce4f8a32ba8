import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background jobs: pg-boss's schema (`pgboss`) and the tenant-owned dedupe table `job_effects`.
 *
 * Why the owner creates pg-boss's schema here instead of letting pg-boss migrate itself at boot: pg-boss 10 creates a
 * table per queue (`create_queue`) and its tables on first start, so a self-migrating pg-boss needs CREATE on the
 * schema and ends up owning tables. The runtime role must own nothing (DESIGN.md; the app refuses to start otherwise),
 * so the runtime role gets only USAGE and DML here, pg-boss runs with `migrate: false`, and every queue is created by
 * a migration (`SELECT pgboss.create_queue(...)`) as the owner, like any other table.
 */
export class Jobs1764360000000 implements MigrationInterface {
  name = 'Jobs1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(readFileSync(path.join(__dirname, 'sql', 'pgboss-v24.sql'), 'utf8'));
    await q.query(`
      GRANT USAGE ON SCHEMA pgboss TO consilium_app, consilium_operator;
      -- Fetch, complete, fail, maintenance (expire, archive, drop): all DML, no DDL.
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO consilium_app;
      -- Operator code enqueues (onboarding sends invitations), lists dead jobs and puts them back for retry; it never
      -- deletes jobs or runs maintenance.
      GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO consilium_operator;
      GRANT INSERT, UPDATE ON pgboss.job TO consilium_operator;
      -- Queue partitions created by later migrations get the same grants.
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consilium_app;
      ALTER DEFAULT PRIVILEGES FOR ROLE consilium_owner IN SCHEMA pgboss
        GRANT SELECT ON TABLES TO consilium_operator;
      -- Queues are schema: only migrations create or drop them.
      REVOKE EXECUTE ON FUNCTION pgboss.create_queue(text, json), pgboss.delete_queue(text) FROM PUBLIC;

      -- One row per side effect a job handler performed, keyed by the handler (e.g. email:<message id>). Written in
      -- the same transaction as the effect, so a retried job finds it and does not repeat the effect.
      CREATE TABLE job_effects (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        effect_key text NOT NULL CHECK (length(effect_key) BETWEEN 1 AND 200),
        job_name text NOT NULL,
        job_id uuid NOT NULL,
        attempt int NOT NULL CHECK (attempt >= 1),
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, effect_key)
      );
      ALTER TABLE job_effects ENABLE ROW LEVEL SECURITY;
      ALTER TABLE job_effects FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON job_effects
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- A record of what happened: never rewritten by the app.
      REVOKE UPDATE, DELETE ON job_effects FROM consilium_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE job_effects;
      DROP SCHEMA pgboss CASCADE;
    `);
  }
}
