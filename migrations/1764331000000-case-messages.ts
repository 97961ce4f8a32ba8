import { MigrationInterface, QueryRunner } from 'typeorm';

/** Secure messages between a patient and the care team, per case. The email about one only says it exists. */
export class CaseMessages1764331000000 implements MigrationInterface {
  name = 'CaseMessages1764331000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_messages (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        author_id uuid NOT NULL,
        author_kind text NOT NULL CHECK (author_kind IN ('patient', 'staff', 'local_physician')),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
        created_at timestamptz NOT NULL DEFAULT now(),
        read_by_patient_at timestamptz,
        read_by_staff_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX case_messages_by_case ON case_messages (tenant_id, case_id, created_at);
      ALTER TABLE case_messages ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_messages FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_messages
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_messages');
  }
}
