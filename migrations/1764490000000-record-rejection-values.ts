import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rejected file keeps its refusal's arguments (a limit, which kind of file was damaged) beside its code, so pages
 * word the reason in their reader's language rather than showing the English kept in `rejection_message`. Older rows
 * have none: their reasons without arguments read the same, the others fall back to the message's general form.
 */
export class RecordRejectionValues1764490000000 implements MigrationInterface {
  name = 'RecordRejectionValues1764490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE record_files ADD COLUMN rejection_values jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE record_files DROP COLUMN rejection_values`);
  }
}
