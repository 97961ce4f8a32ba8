import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What cases needs for the integration API (issue 24):
 * - `updated_at` moves with every case event (CasePipeline.record), and the API's feed reads cases in that order a
 *   page at a time: `cases_feed` for the whole feed, `cases_feed_by_state` when it is filtered by state. Drafts are
 *   not in the feed, so not in its indexes either.
 * - a conversion may be recorded by an integration's credential (an API key or OAuth client, not an account):
 *   `source = 'api'`, `recorded_by_api_key`; exactly one of the two recorders is set.
 */
export class CasesForIntegrations1764530000001 implements MigrationInterface {
  name = 'CasesForIntegrations1764530000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX cases_feed ON cases (tenant_id, updated_at, id) WHERE state <> 'draft';
      CREATE INDEX cases_feed_by_state ON cases (tenant_id, state, updated_at, id) WHERE state <> 'draft';

      ALTER TABLE conversions DROP CONSTRAINT conversions_source_check;
      ALTER TABLE conversions ADD CONSTRAINT conversions_source_check CHECK (source IN ('manual', 'import', 'api'));
      ALTER TABLE conversions ALTER COLUMN recorded_by DROP NOT NULL;
      ALTER TABLE conversions ADD COLUMN recorded_by_api_key uuid;
      ALTER TABLE conversions ADD CONSTRAINT conversions_recorded_by_api_key_fk
        FOREIGN KEY (tenant_id, recorded_by_api_key) REFERENCES api_keys (tenant_id, id);
      ALTER TABLE conversions ADD CONSTRAINT conversions_one_recorder CHECK (num_nonnulls(recorded_by, recorded_by_api_key) = 1);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE conversions DROP CONSTRAINT conversions_one_recorder;
      ALTER TABLE conversions DROP COLUMN recorded_by_api_key;
      ALTER TABLE conversions ALTER COLUMN recorded_by SET NOT NULL;
      ALTER TABLE conversions DROP CONSTRAINT conversions_source_check;
      ALTER TABLE conversions ADD CONSTRAINT conversions_source_check CHECK (source IN ('manual', 'import'));
      DROP INDEX cases_feed_by_state;
      DROP INDEX cases_feed;
    `);
  }
}
