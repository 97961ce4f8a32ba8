import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Records now belong to real cases: the composite keys make a file or an upload session unable to point at a case of
 * another hospital, or at none. The records routes were never mounted before this (every access was refused), so no
 * row can be orphaned and the constraints are validated at once.
 *
 * Also the queue of the `records-process` job: uploads are processed in the background, not in the upload request.
 */
export class RecordsBelongToCases1764370000000 implements MigrationInterface {
  name = 'RecordsBelongToCases1764370000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE record_files ADD CONSTRAINT record_files_case_fk FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
      ALTER TABLE upload_sessions ADD CONSTRAINT upload_sessions_case_fk FOREIGN KEY (tenant_id, case_id) REFERENCES cases (tenant_id, id);
      -- Upload sessions were looked up by case only through their id; the key wants an index on the referencing side.
      CREATE INDEX upload_sessions_by_case ON upload_sessions (tenant_id, case_id);

      SELECT pgboss.create_queue('records-process', '{"policy": "standard"}');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      SELECT pgboss.delete_queue('records-process');
      DROP INDEX upload_sessions_by_case;
      ALTER TABLE upload_sessions DROP CONSTRAINT upload_sessions_case_fk;
      ALTER TABLE record_files DROP CONSTRAINT record_files_case_fk;
    `);
  }
}
