import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake: a case names the offering it was priced from. Offerings are never deleted (a blueprint or the console
 * withdraws them), so the key holds for the life of the case. Drafts are listed per patient in the portal.
 */
export class Intake1764365000000 implements MigrationInterface {
  name = 'Intake1764365000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cases ADD CONSTRAINT cases_offering_fk FOREIGN KEY (tenant_id, offering_id) REFERENCES offerings (tenant_id, id);
      CREATE INDEX cases_by_offering ON cases (tenant_id, offering_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX cases_by_offering;
      ALTER TABLE cases DROP CONSTRAINT cases_offering_fk;
    `);
  }
}
