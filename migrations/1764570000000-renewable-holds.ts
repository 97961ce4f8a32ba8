import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A card authorization lapses after about seven days, but a case may wait longer than that for its records. The
 * payment keeps when its current hold was placed (the first authorization, or a renewal from the saved card) and
 * when the patient was asked to confirm payment because the card could not be charged without them.
 */
export class RenewableHolds1764570000000 implements MigrationInterface {
  name = 'RenewableHolds1764570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments ADD COLUMN hold_renewed_at timestamptz, ADD COLUMN confirmation_requested_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payments DROP COLUMN hold_renewed_at, DROP COLUMN confirmation_requested_at`);
  }
}
