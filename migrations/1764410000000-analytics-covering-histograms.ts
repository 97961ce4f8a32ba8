import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several analytics filters at once (issue 9) read the detailed turnaround and reach histograms through the index by
 * specialty or by physician, then fetched each matching row from the table: at a million cases, about 11,000 rows of
 * a year's specialty on as many pages, 40 ms of a 55 ms dashboard. These indexes carry every column those reads need,
 * so they are index-only scans (a few hundred index pages) wherever autovacuum has marked the table's pages
 * all-visible: every past month, soon after it is written. Their rows are rewritten by every refresh already (no HOT
 * updates: the measured count is zero), so the extra columns add no new kind of write.
 */
export class AnalyticsCoveringHistograms1764410000000 implements MigrationInterface {
  name = 'AnalyticsCoveringHistograms1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX analytics_turnaround_by_specialty, analytics_turnaround_by_physician, analytics_reach_by_specialty, analytics_reach_by_physician;
      CREATE INDEX analytics_turnaround_by_specialty ON analytics_turnaround (tenant_id, specialty_id, grain, bucket)
        INCLUDE (physician_id, campaign, jurisdiction_class, detail, hours, n);
      CREATE INDEX analytics_turnaround_by_physician ON analytics_turnaround (tenant_id, physician_id, grain, bucket)
        INCLUDE (specialty_id, campaign, jurisdiction_class, detail, hours, n);
      CREATE INDEX analytics_reach_by_specialty ON analytics_reach (tenant_id, specialty_id, grain, bucket)
        INCLUDE (physician_id, campaign, jurisdiction_class, detail, jurisdiction, n);
      CREATE INDEX analytics_reach_by_physician ON analytics_reach (tenant_id, physician_id, grain, bucket)
        INCLUDE (specialty_id, campaign, jurisdiction_class, detail, jurisdiction, n);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX analytics_turnaround_by_specialty, analytics_turnaround_by_physician, analytics_reach_by_specialty, analytics_reach_by_physician;
      CREATE INDEX analytics_turnaround_by_specialty ON analytics_turnaround (tenant_id, specialty_id, grain, bucket);
      CREATE INDEX analytics_turnaround_by_physician ON analytics_turnaround (tenant_id, physician_id, grain, bucket);
      CREATE INDEX analytics_reach_by_specialty ON analytics_reach (tenant_id, specialty_id, grain, bucket);
      CREATE INDEX analytics_reach_by_physician ON analytics_reach (tenant_id, physician_id, grain, bucket);
    `);
  }
}
