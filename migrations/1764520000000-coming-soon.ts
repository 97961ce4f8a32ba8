import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A hospital made in the operator's wizard opens as `coming_soon`: its staff work in the consoles while its public
 * site says when to come back, sells nothing and asks search engines to stay away, until its admin passes the
 * launch checklist and launches it (`active`).
 */
export class ComingSoon1764520000000 implements MigrationInterface {
  name = 'ComingSoon1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
      ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'coming_soon'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE tenants SET status = 'active' WHERE status = 'coming_soon';
      ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
      ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended'));
    `);
  }
}
