import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in failures are counted by the abuse limits (rate_limits) like everything else, so auth_throttle goes: it
 * kept them under the typed email address itself.
 *
 * A sign-up no longer makes a usable account at once (that would tell whether the address was taken): the password
 * chosen waits on the email-verification link, with the page to return to, until the address's owner opens it.
 */
export class SignInLimitsAndPendingSignUps1764460000000 implements MigrationInterface {
  name = 'SignInLimitsAndPendingSignUps1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE auth_throttle;
      ALTER TABLE auth_tokens
        ADD COLUMN password_hash text,
        ADD COLUMN next_path text CHECK (next_path IS NULL OR (next_path LIKE '/%' AND next_path NOT LIKE '//%'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE auth_tokens DROP COLUMN password_hash, DROP COLUMN next_path;
      CREATE TABLE auth_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        first_failure_at timestamptz NOT NULL DEFAULT now(),
        blocked_until timestamptz,
        notified_at timestamptz
      );
    `);
  }
}
