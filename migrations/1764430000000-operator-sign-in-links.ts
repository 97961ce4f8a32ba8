import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first operator of a new installation (issue 16): `cli operators create` makes an operator with no password and
 * prints a one-time link where they choose one, then enrol their second factor. `cli operators link` issues another
 * (the first expired, or a password was forgotten; the enrolled second factor still applies). Only the SHA-256 of a
 * link is stored. Platform data, like `operators`: the runtime role cannot read it.
 */
export class OperatorSignInLinks1764430000000 implements MigrationInterface {
  name = 'OperatorSignInLinks1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE operators ALTER COLUMN password_hash DROP NOT NULL;
      CREATE TABLE operator_sign_in_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX operator_sign_in_links_by_operator ON operator_sign_in_links (operator_id) WHERE used_at IS NULL;
      REVOKE ALL ON operator_sign_in_links FROM consilium_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE operator_sign_in_links;
      UPDATE operators SET password_hash = '!' WHERE password_hash IS NULL;
      ALTER TABLE operators ALTER COLUMN password_hash SET NOT NULL;
    `);
  }
}
