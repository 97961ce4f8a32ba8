import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Assignment and stipends (issue 7):
 * - a roster physician is linked to the staff account they sign in with (`physicians.account_id`), and a case's
 *   `assigned_physician_id` is that account (what CaseAccess compares with the signed-in actor), now a foreign key;
 * - each assignment is a row with its accept and review deadlines and how it ended, so missed deadlines are facts;
 * - other physicians may be asked to contribute a note to a case (multidisciplinary review); one signs;
 * - stipend rates have a history (the rate in force on the day of delivery is what accrues);
 * - the stipend ledger has one entry per delivered case (unique), however often delivery runs;
 * - a local physician's invitation is a hashed single-purpose token for one case's opinion;
 * - the `assignment-deadline` job queue.
 */
export class AssignmentAndStipends1764380000000 implements MigrationInterface {
  name = 'AssignmentAndStipends1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE physicians ADD COLUMN account_id uuid;
      ALTER TABLE physicians ADD CONSTRAINT physicians_account_fk FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id);
      ALTER TABLE physicians ADD CONSTRAINT physicians_account_key UNIQUE (tenant_id, account_id);
      ALTER TABLE cases ADD CONSTRAINT cases_assigned_physician_fk FOREIGN KEY (tenant_id, assigned_physician_id) REFERENCES accounts (tenant_id, id);

      CREATE TABLE case_assignments (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        physician_id uuid NOT NULL,
        account_id uuid NOT NULL,
        assigned_by uuid,
        assigned_at timestamptz NOT NULL,
        accept_by timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        accepted_at timestamptz,
        accept_reminded_at timestamptz,
        review_reminded_at timestamptz,
        ended_at timestamptz,
        end_reason text CHECK (end_reason IN ('declined', 'missed_accept', 'missed_review', 'reassigned', 'delivered')),
        -- Why this physician was suggested (codes and words shown to the coordinator), never clinical content.
        reasons jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, assigned_by) REFERENCES accounts (tenant_id, id),
        CHECK ((ended_at IS NULL) = (end_reason IS NULL))
      );
      -- One current assignment per case.
      CREATE UNIQUE INDEX case_assignments_current ON case_assignments (tenant_id, case_id) WHERE ended_at IS NULL;
      -- Open cases per physician (suggestions rank by it).
      CREATE INDEX case_assignments_open_by_physician ON case_assignments (tenant_id, physician_id) WHERE ended_at IS NULL;
      ALTER TABLE case_assignments ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_assignments FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_assignments
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- Multidisciplinary review: other physicians asked to contribute a note; the assigned physician alone signs.
      CREATE TABLE case_contributors (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        physician_id uuid NOT NULL,
        account_id uuid NOT NULL,
        added_by uuid NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        note text NOT NULL DEFAULT '' CHECK (length(note) <= 20000),
        note_updated_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, account_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, added_by) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX case_contributors_by_account ON case_contributors (tenant_id, account_id);
      ALTER TABLE case_contributors ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_contributors FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_contributors
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE physician_stipend_rates (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        physician_id uuid NOT NULL,
        amount_minor integer NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        effective_from date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, physician_id, effective_from),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id)
      );
      ALTER TABLE physician_stipend_rates ENABLE ROW LEVEL SECURITY;
      ALTER TABLE physician_stipend_rates FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON physician_stipend_rates
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE stipend_entries (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        opinion_id uuid NOT NULL,
        physician_id uuid NOT NULL,
        amount_minor integer NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        -- The hospital's calendar day of delivery: the rate of that day, and the month it is paid in.
        accrued_on date NOT NULL,
        accrued_at timestamptz NOT NULL DEFAULT now(),
        paid_at timestamptz,
        paid_by uuid,
        PRIMARY KEY (tenant_id, id),
        -- Exactly once per delivered case, however often delivery runs.
        UNIQUE (tenant_id, case_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, physician_id) REFERENCES physicians (tenant_id, id),
        FOREIGN KEY (tenant_id, paid_by) REFERENCES accounts (tenant_id, id),
        CHECK ((paid_at IS NULL) = (paid_by IS NULL))
      );
      CREATE INDEX stipend_entries_by_month ON stipend_entries (tenant_id, accrued_on, physician_id);
      ALTER TABLE stipend_entries ENABLE ROW LEVEL SECURITY;
      ALTER TABLE stipend_entries FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON stipend_entries
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE DELETE ON stipend_entries FROM consilium_app;

      CREATE TABLE local_physician_invitations (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        token_sha256 text NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_opened_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_sha256),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      ALTER TABLE local_physician_invitations ENABLE ROW LEVEL SECURITY;
      ALTER TABLE local_physician_invitations FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON local_physician_invitations
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      SELECT pgboss.create_queue('assignment-deadline', '{"policy": "standard"}');
    `);
    // Backfill (small: one row per physician): today's rates count from the start of time.
    await q.query(`
      INSERT INTO physician_stipend_rates (tenant_id, physician_id, amount_minor, currency, effective_from)
      SELECT tenant_id, id, stipend_minor, stipend_currency, DATE '2000-01-01' FROM physicians;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      SELECT pgboss.delete_queue('assignment-deadline');
      DROP TABLE local_physician_invitations, stipend_entries, physician_stipend_rates, case_contributors, case_assignments;
      ALTER TABLE cases DROP CONSTRAINT cases_assigned_physician_fk;
      ALTER TABLE physicians DROP CONSTRAINT physicians_account_key, DROP CONSTRAINT physicians_account_fk, DROP COLUMN account_id;
    `);
  }
}
