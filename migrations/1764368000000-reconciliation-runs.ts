import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The nightly comparison of our payments with the provider's (issue 8): one row per provider and day, claimed by
 * whichever platform instance gets there first, with what it found. Operators only: the runtime role has no access.
 */
export class ReconciliationRuns1764368000000 implements MigrationInterface {
  name = 'ReconciliationRuns1764368000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_reconciliations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider text NOT NULL,
        day date NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        since timestamptz,
        checked_at_provider integer,
        checked_locally integer,
        -- Ids, kinds, statuses and amounts only: never a name or anything clinical.
        differences jsonb,
        failure text,
        CONSTRAINT payment_reconciliations_day_key UNIQUE (provider, day)
      );
      REVOKE ALL ON payment_reconciliations FROM consilium_app;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE payment_reconciliations');
  }
}
