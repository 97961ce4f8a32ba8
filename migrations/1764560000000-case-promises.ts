import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the hospital promised the patient, kept on the case: "triage by" from submission, "opinion by" from acceptance.
 * Each is computed once and moves only by a records pause (`paused_at` while one runs; the resume adds exactly its
 * length). `late_at` marks that the promise passed and people were told (once); `revised_by` is the new date they got.
 * The partial index serves the staff queue's "late" filter and the late-promise sweep over open cases only. The
 * `case-promise-due` job queue runs at the moment a promise falls due.
 */
export class CasePromises1764560000000 implements MigrationInterface {
  name = 'CasePromises1764560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases
      ADD COLUMN triage_by timestamptz,
      ADD COLUMN promised_by timestamptz,
      ADD COLUMN paused_at timestamptz,
      ADD COLUMN late_at timestamptz,
      ADD COLUMN revised_by timestamptz`);
    await q.query(
      `CREATE INDEX cases_promise_open ON cases (tenant_id, promised_by) WHERE promised_by IS NOT NULL AND delivered_at IS NULL`,
    );
    await q.query(`SELECT pgboss.create_queue('case-promise-due', '{"policy": "standard"}')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`SELECT pgboss.delete_queue('case-promise-due')`);
    await q.query(`DROP INDEX cases_promise_open`);
    await q.query(
      `ALTER TABLE cases DROP COLUMN triage_by, DROP COLUMN promised_by, DROP COLUMN paused_at, DROP COLUMN late_at, DROP COLUMN revised_by`,
    );
  }
}
