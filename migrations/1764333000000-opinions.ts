import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Structured opinions with versions: one draft at a time per case, signed versions immutable, an amendment is a new
 * version (the history stays). The signed letter (PDF) is kept per version exactly as it was delivered.
 */
export class Opinions1764333000000 implements MigrationInterface {
  name = 'Opinions1764333000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE opinions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        version integer NOT NULL,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
        diagnosis_agreement text CHECK (diagnosis_agreement IN ('confirmed', 'refined', 'changed')),
        treatment_changed boolean,
        diagnosis_note text NOT NULL DEFAULT '',
        recommendations text NOT NULL DEFAULT '',
        alternatives text NOT NULL DEFAULT '',
        clinical_trials text NOT NULL DEFAULT '',
        answers jsonb NOT NULL DEFAULT '[]',
        patient_summary text NOT NULL DEFAULT '',
        amendment_reason text,
        author_id uuid NOT NULL,
        signed_by uuid,
        signed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, version),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, signed_by) REFERENCES accounts (tenant_id, id),
        CHECK (status = 'draft' OR (signed_by IS NOT NULL AND signed_at IS NOT NULL AND diagnosis_agreement IS NOT NULL AND treatment_changed IS NOT NULL))
      );
      CREATE UNIQUE INDEX opinions_one_draft ON opinions (tenant_id, case_id) WHERE status = 'draft';
      ALTER TABLE opinions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE opinions FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON opinions
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      -- A signed version never changes.
      CREATE FUNCTION signed_opinions_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'signed' THEN RAISE EXCEPTION 'a signed opinion cannot be changed; amend it with a new version'; END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$;
      CREATE TRIGGER opinions_signed_immutable BEFORE UPDATE OR DELETE ON opinions
        FOR EACH ROW EXECUTE FUNCTION signed_opinions_are_immutable();

      CREATE TABLE opinion_letters (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        opinion_id uuid NOT NULL,
        pdf bytea NOT NULL,
        sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, opinion_id),
        FOREIGN KEY (tenant_id, opinion_id) REFERENCES opinions (tenant_id, id)
      );
      ALTER TABLE opinion_letters ENABLE ROW LEVEL SECURITY;
      ALTER TABLE opinion_letters FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON opinion_letters
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE ON opinion_letters FROM consilium_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE opinion_letters, opinions; DROP FUNCTION signed_opinions_are_immutable();');
  }
}
