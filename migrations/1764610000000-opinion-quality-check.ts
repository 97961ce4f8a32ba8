import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quality before release (issue #22): a `medical_director` staff role; a hospital's choice of whether a signed opinion
 * goes straight to the patient or first through a second physician's or the medical director's check; an opinion
 * version `in_check` between the physician's signature and the check's approval; and one row per check outcome
 * (returned with comments, or approved), kept as the version's history. Also staff-only internal notes on a case.
 */
export class OpinionQualityCheck1764610000000 implements MigrationInterface {
  name = 'OpinionQualityCheck1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
      ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check
        CHECK (role IN ('admin', 'coordinator', 'physician', 'translator', 'medical_director'));

      -- in_check: signed by the physician, waiting for the check; it is not yet the patient's, and may go back to draft.
      ALTER TABLE opinions DROP CONSTRAINT opinions_status_check;
      ALTER TABLE opinions ADD CONSTRAINT opinions_status_check CHECK (status IN ('draft', 'in_check', 'signed'));

      CREATE TABLE opinion_settings (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        quality_check text NOT NULL DEFAULT 'none' CHECK (quality_check IN ('none', 'second_physician', 'medical_director')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id)
      );
      ALTER TABLE opinion_settings ENABLE ROW LEVEL SECURITY;
      ALTER TABLE opinion_settings FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON opinion_settings
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE opinion_checks (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        opinion_id uuid NOT NULL,
        case_id uuid NOT NULL,
        version integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('returned', 'approved')),
        comment text NOT NULL DEFAULT '',
        reviewer_id uuid NOT NULL,
        -- In what capacity they checked it (the letter names it): their role then, not whatever it is later.
        reviewer_role text NOT NULL CHECK (reviewer_role IN ('medical_director', 'physician')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, opinion_id) REFERENCES opinions (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, reviewer_id) REFERENCES accounts (tenant_id, id),
        CHECK (outcome = 'approved' OR comment <> '')
      );
      CREATE INDEX opinion_checks_by_opinion ON opinion_checks (tenant_id, opinion_id, created_at);
      ALTER TABLE opinion_checks ENABLE ROW LEVEL SECURITY;
      ALTER TABLE opinion_checks FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON opinion_checks
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE ON opinion_checks FROM consilium_app;

      -- Staff-only notes on a case: never shown to the patient, in no patient email or export.
      CREATE TABLE case_internal_notes (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        author_id uuid NOT NULL,
        body text NOT NULL CHECK (body <> ''),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, author_id) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX case_internal_notes_by_case ON case_internal_notes (tenant_id, case_id, created_at);
      ALTER TABLE case_internal_notes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_internal_notes FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_internal_notes
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE ON case_internal_notes FROM consilium_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE case_internal_notes, opinion_checks, opinion_settings;
      UPDATE opinions SET status = 'draft', signed_by = NULL, signed_at = NULL WHERE status = 'in_check';
      ALTER TABLE opinions DROP CONSTRAINT opinions_status_check;
      ALTER TABLE opinions ADD CONSTRAINT opinions_status_check CHECK (status IN ('draft', 'signed'));
      DELETE FROM staff_roles WHERE role = 'medical_director';
      ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
      ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check CHECK (role IN ('admin', 'coordinator', 'physician', 'translator'));
    `);
  }
}
