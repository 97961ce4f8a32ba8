import { MigrationInterface, QueryRunner } from 'typeorm';
// The measure columns are the analytics migration's, so the pairs add up like the cohorts.
import { ANALYTICS_MEASURES } from './1764390000000-analytics';

/**
 * Filtered analytics at a million cases (issue 9). A dashboard filtered by one dimension (a specialty, a physician, a
 * campaign or a place) read the detailed cohorts and the detailed turnaround and reach histograms: thousands of rows a
 * month, since every combination of the other dimensions is its own row. These rollups count each case once per pair
 * of dimensions instead, so one filter reads a few dozen rows a month, like the unfiltered dashboard:
 *
 * - `analytics_pairs`: the case's measures under (filter dimension, its value) x (breakdown dimension, its value);
 * - `analytics_turnaround_slices`, `analytics_reach_slices`: the histograms under (dimension, value), and under
 *   ('all', '') for the unfiltered dashboard; they replace the old "detail = false" rows, which go.
 * Several filters at once still read the detailed rollups. Every hospital's rollups are rebuilt on
 * their next refresh (rollup_time_zone cleared), which fills the new tables from the cases.
 */
export class AnalyticsFilteredSlices1764400000000 implements MigrationInterface {
  name = 'AnalyticsFilteredSlices1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analytics_pairs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        dimension text NOT NULL CHECK (dimension IN ('specialty', 'physician', 'campaign', 'class')),
        value text NOT NULL,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        by_dimension text NOT NULL CHECK (by_dimension IN ('specialty', 'physician', 'campaign', 'class')),
        by_value text NOT NULL,
        ${ANALYTICS_MEASURES},
        PRIMARY KEY (tenant_id, dimension, value, grain, bucket, by_dimension, by_value)
      );
      CREATE INDEX analytics_pairs_empty ON analytics_pairs (tenant_id) WHERE started = 0;
      ALTER TABLE analytics_pairs ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_pairs FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_pairs
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE analytics_turnaround_slices (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        dimension text NOT NULL CHECK (dimension IN ('all', 'specialty', 'physician', 'campaign', 'class')),
        value text NOT NULL,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        hours integer NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (tenant_id, dimension, value, grain, bucket, hours)
      );
      CREATE INDEX analytics_turnaround_slices_empty ON analytics_turnaround_slices (tenant_id) WHERE n = 0;
      ALTER TABLE analytics_turnaround_slices ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_turnaround_slices FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_turnaround_slices
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      CREATE TABLE analytics_reach_slices (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        dimension text NOT NULL CHECK (dimension IN ('all', 'specialty', 'physician', 'campaign', 'class')),
        value text NOT NULL,
        grain text NOT NULL CHECK (grain IN ('day', 'month')),
        bucket date NOT NULL,
        jurisdiction text NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (tenant_id, dimension, value, grain, bucket, jurisdiction)
      );
      CREATE INDEX analytics_reach_slices_empty ON analytics_reach_slices (tenant_id) WHERE n = 0;
      ALTER TABLE analytics_reach_slices ENABLE ROW LEVEL SECURITY;
      ALTER TABLE analytics_reach_slices FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON analytics_reach_slices
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

      -- The detailed histograms now serve only several filters at once, which always name a specialty or a
      -- physician unless they are a campaign and a place: read those rows through the rarer value, not the month's
      -- every row.
      CREATE INDEX analytics_turnaround_by_specialty ON analytics_turnaround (tenant_id, specialty_id, grain, bucket);
      CREATE INDEX analytics_turnaround_by_physician ON analytics_turnaround (tenant_id, physician_id, grain, bucket);
      CREATE INDEX analytics_reach_by_specialty ON analytics_reach (tenant_id, specialty_id, grain, bucket);
      CREATE INDEX analytics_reach_by_physician ON analytics_reach (tenant_id, physician_id, grain, bucket);

      DELETE FROM analytics_turnaround WHERE NOT detail;
      DELETE FROM analytics_reach WHERE NOT detail;
      UPDATE analytics_settings SET rollup_time_zone = NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX analytics_turnaround_by_specialty, analytics_turnaround_by_physician, analytics_reach_by_specialty, analytics_reach_by_physician;
      DROP TABLE analytics_reach_slices, analytics_turnaround_slices, analytics_pairs;
      UPDATE analytics_settings SET rollup_time_zone = NULL;
    `);
  }
}
