import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per message a patient was sent at a milestone of their case (`request_submitted`,
 * `follow_up_answered:2`, `check_in_due:30`): the key that makes a retried job or a repeated move send nothing twice.
 * Written in the transaction that sends the message, so the row and the email commit together or not at all.
 * The `check-in-due` job queue emails the 30- and 90-day check-ins when they fall due; `refund-rule` applies the
 * hospital's late-refund rules when one can fire.
 */
export class CaseMilestones1764560000001 implements MigrationInterface {
  name = 'CaseMilestones1764560000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_milestones (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        milestone text NOT NULL CHECK (milestone ~ '^[a-z_]{1,40}(:[a-z0-9_-]{1,60})?$'),
        reached_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id, milestone),
        FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id)
      );
      ALTER TABLE case_milestones ENABLE ROW LEVEL SECURITY;
      ALTER TABLE case_milestones FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON case_milestones
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
      REVOKE UPDATE, DELETE ON case_milestones FROM consilium_app;
      SELECT pgboss.create_queue('check-in-due', '{"policy": "standard"}');
      SELECT pgboss.create_queue('refund-rule', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pgboss.delete_queue('refund-rule'); SELECT pgboss.delete_queue('check-in-due'); DROP TABLE case_milestones;`);
  }
}
