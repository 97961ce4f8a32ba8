import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How a patient gets a funding program (issue 8): codes a sponsor hands out (stored as SHA-256, never readable),
 * programs whose eligibility a coordinator confirms, and each case's claim on a program with its basis and review.
 */
export class FundingAccess1764366000000 implements MigrationInterface {
  name = 'FundingAccess1764366000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE funding_programs ADD COLUMN review_required boolean NOT NULL DEFAULT false;

      CREATE TABLE funding_codes (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        program_id uuid NOT NULL,
        -- SHA-256 of the code as normalised (upper case, no spaces or dashes): a leaked table gives no usable code.
        code_sha256 text NOT NULL CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
        -- The last four characters, so staff can tell codes apart.
        hint text NOT NULL CHECK (length(hint) <= 8),
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
        max_uses integer CHECK (max_uses >= 1),
        uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)),
        expires_on date,
        revoked_at timestamptz,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, code_sha256),
        FOREIGN KEY (tenant_id, program_id) REFERENCES funding_programs (tenant_id, id)
      );
      ALTER TABLE funding_codes ENABLE ROW LEVEL SECURITY;
      ALTER TABLE funding_codes FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON funding_codes
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE funding_claims (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        case_id uuid NOT NULL,
        program_id uuid NOT NULL,
        basis text NOT NULL CHECK (basis IN ('open', 'code', 'attestation')),
        code_id uuid,
        status text NOT NULL CHECK (status IN ('not_required', 'pending_review', 'confirmed', 'rejected')),
        reviewed_by uuid,
        reviewed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id),
        FOREIGN KEY (tenant_id, program_id) REFERENCES funding_programs (tenant_id, id),
        FOREIGN KEY (tenant_id, code_id) REFERENCES funding_codes (tenant_id, id),
        CHECK ((basis = 'code') = (code_id IS NOT NULL)),
        CHECK ((status IN ('confirmed', 'rejected')) = (reviewed_at IS NOT NULL))
      );
      CREATE INDEX funding_claims_to_review ON funding_claims (tenant_id, created_at) WHERE status = 'pending_review';
      ALTER TABLE funding_claims ENABLE ROW LEVEL SECURITY;
      ALTER TABLE funding_claims FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON funding_claims
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE funding_claims, funding_codes;
      ALTER TABLE funding_programs DROP COLUMN review_required;
    `);
  }
}
