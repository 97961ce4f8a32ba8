import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coordinator's workbench (issue 25):
 * - search by case number, patient name or email: trigram indexes (pg_trgm is a trusted extension, so the database's
 *   owner may create it) on the case number and on the patient's name and email;
 * - sorted queue pages by keyset: per sort key one index `(tenant_id, state, key, id)`, the key written with its
 *   nulls folded to `infinity` so one row comparison pages through it. The open queue is one index range per state,
 *   merged (see CaseQueue);
 * - saved filters, each staff member's own (a name and the queue's query string, never PHI).
 */
export class CoordinatorWorkbench1764640000000 implements MigrationInterface {
  name = 'CoordinatorWorkbench1764640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE INDEX cases_number_trgm ON cases USING gin (number gin_trgm_ops);
      CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops) WHERE kind = 'patient';
      CREATE INDEX accounts_email_trgm ON accounts USING gin (email gin_trgm_ops) WHERE kind = 'patient';
      CREATE INDEX cases_sort_promise ON cases (tenant_id, state, (coalesce(promised_by, triage_by, 'infinity'::timestamptz)), id);
      CREATE INDEX cases_sort_age ON cases (tenant_id, state, (coalesce(submitted_at, created_at)), id);
      CREATE INDEX cases_sort_due ON cases (tenant_id, state, (coalesce(due_at, 'infinity'::timestamptz)), id);

      CREATE TABLE saved_queue_filters (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
        query text NOT NULL CHECK (length(query) <= 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, account_id, name),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
      );
      ALTER TABLE saved_queue_filters ENABLE ROW LEVEL SECURITY;
      ALTER TABLE saved_queue_filters FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON saved_queue_filters
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE saved_queue_filters;
      DROP INDEX cases_sort_due;
      DROP INDEX cases_sort_age;
      DROP INDEX cases_sort_promise;
      DROP INDEX accounts_email_trgm;
      DROP INDEX accounts_name_trgm;
      DROP INDEX cases_number_trgm;
    `);
  }
}
