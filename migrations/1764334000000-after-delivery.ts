import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What happens after an opinion is delivered: follow-up questions, the visits and procedures that followed at the
 * hospital (the conversions analytics credit), and the 30/90-day check-ins on whether the patient acted on it.
 */
export class AfterDelivery1764334000000 implements MigrationInterface {
  name = 'AfterDelivery1764334000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_follow_ups (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        round integer NOT NULL,
        question text NOT NULL CHECK (length(question) BETWEEN 1 AND 5000),
        asked_by uuid NOT NULL,
        asked_at timestamptz NOT NULL DEFAULT now(),
        answer text CHECK (answer IS NULL OR length(answer) BETWEEN 1 AND 20000),
        answered_by uuid,
        answered_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, round),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, asked_by) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, answered_by) REFERENCES accounts (tenant_id, id)
      );
      ALTER TABLE case_follow_ups ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_follow_ups FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_follow_ups
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE conversions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('consult_booked', 'procedure_scheduled', 'procedure_done')),
        occurred_on date NOT NULL,
        value_minor bigint CHECK (value_minor IS NULL OR value_minor >= 0),
        currency char(3),
        source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import')),
        -- An import row says which file and line it came from, so a re-import does not record it twice.
        import_key text,
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, import_key),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, recorded_by) REFERENCES accounts (tenant_id, id),
        CHECK ((value_minor IS NULL) = (currency IS NULL))
      );
      CREATE INDEX conversions_by_case ON conversions (tenant_id, case_id);
      ALTER TABLE conversions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE conversions FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON conversions
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE case_check_ins (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        day integer NOT NULL CHECK (day IN (30, 90)),
        due_on date NOT NULL,
        reminded_at timestamptz,
        answered_at timestamptz,
        acted_on_advice text CHECK (acted_on_advice IN ('yes', 'partly', 'no')),
        satisfaction integer CHECK (satisfaction BETWEEN 1 AND 5),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, day),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      CREATE INDEX case_check_ins_due ON case_check_ins (due_on) WHERE answered_at IS NULL AND reminded_at IS NULL;
      ALTER TABLE case_check_ins ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_check_ins FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_check_ins
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_check_ins, conversions, case_follow_ups');
  }
}
