import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who a request is for (#21): the patient's date of birth, sex at birth, phone and preferred language, and, when a
 * parent or caregiver asks for someone else, that person's name and the requester's relationship to them. One row
 * per case (a parent's two children are two cases). The proxy's consent is a case consent like the others, with its
 * version and hash, so the consent kinds grow by two.
 */
export class WhoTheRequestIsFor1764630000000 implements MigrationInterface {
  name = 'WhoTheRequestIsFor1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_subjects (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        for_whom text NOT NULL CHECK (for_whom IN ('self', 'child', 'adult')),
        patient_name text CHECK (patient_name IS NULL OR length(patient_name) <= 200),
        relationship text CHECK (relationship IN ('parent', 'legal_guardian', 'spouse_partner', 'adult_child', 'sibling', 'other')),
        birth_date date,
        sex_at_birth text CHECK (sex_at_birth IN ('female', 'male', 'intersex', 'undisclosed')),
        phone text CHECK (phone IS NULL OR length(phone) <= 40),
        preferred_language text CHECK (preferred_language IS NULL OR preferred_language ~ '^[a-z]{2,3}$'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id) ON DELETE CASCADE,
        CHECK (for_whom = 'self' OR (patient_name IS NOT NULL AND relationship IS NOT NULL AND birth_date IS NOT NULL))
      );
      ALTER TABLE case_subjects ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_subjects FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_subjects
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      ALTER TABLE case_consents DROP CONSTRAINT case_consents_kind_check;
      ALTER TABLE case_consents ADD CONSTRAINT case_consents_kind_check CHECK (kind IN (
        'terms', 'records_authorization', 'educational_disclaimer', 'physician_to_physician',
        'proxy_guardian', 'proxy_authorization'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM case_consents WHERE kind IN ('proxy_guardian', 'proxy_authorization');
      ALTER TABLE case_consents DROP CONSTRAINT case_consents_kind_check;
      ALTER TABLE case_consents ADD CONSTRAINT case_consents_kind_check CHECK (kind IN (
        'terms', 'records_authorization', 'educational_disclaimer', 'physician_to_physician'));
      DROP TABLE case_subjects;
    `);
  }
}
