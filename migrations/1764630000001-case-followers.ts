import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An adult patient for whom a caregiver asked can follow the case with their own account (#21): the caregiver
 * invites them by email with a one-time link (only its SHA-256 is kept), and their account becomes a follower. The
 * patient may then remove the caregiver: the case becomes theirs (`cases.patient_id`) and the caregiver's access
 * ends with that statement.
 */
export class CaseFollowers1764630000001 implements MigrationInterface {
  name = 'CaseFollowers1764630000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_followers (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        account_id uuid NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id, account_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      );
      CREATE INDEX case_followers_account ON case_followers (tenant_id, account_id);
      ALTER TABLE case_followers ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_followers FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_followers
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE case_follow_invitations (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        token_sha256 text NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
        invited_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        accepted_by uuid,
        accepted_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_sha256),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, invited_by) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, accepted_by) REFERENCES accounts (tenant_id, id)
      );
      ALTER TABLE case_follow_invitations ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_follow_invitations FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_follow_invitations
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_follow_invitations, case_followers`);
  }
}
