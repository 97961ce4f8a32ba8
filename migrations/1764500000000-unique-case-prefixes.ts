import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A case number names its hospital by its prefix (LKS-2026-000123): two hospitals with one prefix give patients,
 * coordinators and the operator numbers that could be either's. Prefixes become unique across the platform. Should
 * two hospitals already share one, the migration stops and says which, rather than renaming a hospital's numbers.
 */
export class UniqueCasePrefixes1764500000000 implements MigrationInterface {
  name = 'UniqueCasePrefixes1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const shared = (await q.query(
      `SELECT case_prefix, string_agg(slug, ', ' ORDER BY slug) AS slugs FROM tenants GROUP BY case_prefix HAVING count(*) > 1`,
    )) as { case_prefix: string; slugs: string }[];
    if (shared.length) {
      throw new Error(
        `Case prefixes must be unique across the platform, and these are shared: ${shared
          .map((s) => `${s.case_prefix} (${s.slugs})`)
          .join('; ')}. Give all but one of each a new case_prefix in its blueprint, apply it, and migrate again.`,
      );
    }
    await q.query(`CREATE UNIQUE INDEX tenants_case_prefix_key ON tenants (case_prefix)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tenants_case_prefix_key`);
  }
}
