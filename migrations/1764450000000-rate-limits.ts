import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Abuse limits (issue 16): one platform-wide table holds every limit's buckets (core's RateLimiter). A bucket is a
 * limit, what it is kept per, an HMAC of the subject (an email address, an IP or an account id, keyed by APP_SECRET,
 * so the table holds no address) and one timestamp. No tenant_id: an attacker spreading attempts over several
 * hospitals is still one IP, and one inbox is one inbox; the rows say nothing about any hospital.
 */
export class RateLimits1764450000000 implements MigrationInterface {
  name = 'RateLimits1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rate_limits (
        bucket text NOT NULL,
        key bytea NOT NULL,
        -- GCRA's theoretical arrival time: the bucket is full again at this moment; a row in the past is no row.
        tat timestamptz NOT NULL,
        PRIMARY KEY (bucket, key)
      );
      CREATE INDEX rate_limits_by_tat ON rate_limits (tat);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limits`);
  }
}
