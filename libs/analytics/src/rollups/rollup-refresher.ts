import { Injectable } from '@nestjs/common';
import { one, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { caseFactsSelect, MEASURE_COLUMNS } from './case-facts.sql';

const DIMS = 'specialty_id, physician_id, campaign, jurisdiction_class';
const BUCKET = `CASE WHEN g.grain = 'day' THEN f.started_on ELSE date_trunc('month', f.started_on)::date END`;
const GRAINS = `CROSS JOIN (VALUES ('day'), ('month')) g (grain)`;

/**
 * A case counted once under each dimension: what the unfiltered reads and the one-filter reads group by. The
 * histograms also count it once under ('all', ''), so the unfiltered histogram is one row per bucket and hour.
 */
const SLICES = (alias: string, whole = false) =>
  `CROSS JOIN LATERAL (VALUES ${whole ? `('all', ''), ` : ''}('specialty', f.specialty_id::text), ('physician', f.physician_id::text), ('campaign', f.campaign), ('class', f.jurisdiction_class)) ${alias} (dimension, value)`;

/**
 * Adds (sign 1) or takes away (sign -1) facts from every rollup: the batch's cases (`analytics_case_facts f JOIN
 * analytics_batch b ...`), or every case of the tenant when the rollups are built from nothing.
 */
function applyFacts(sign: 1 | -1, facts: string): string[] {
  const sums = MEASURE_COLUMNS.map((m) => `${sign} * sum(f.${m})`).join(', ');
  const adds = (table: string) => MEASURE_COLUMNS.map((m) => `${m} = ${table}.${m} + excluded.${m}`).join(', ');
  const delivered = `f.tenant_id = $1 AND f.turnaround_hours IS NOT NULL`;
  const reached = `f.tenant_id = $1 AND f.submitted = 1 AND f.jurisdiction <> ''`;
  return [
    // Every combination of dimensions: what several filters at once read.
    `INSERT INTO analytics_cohorts (tenant_id, grain, bucket, ${DIMS}, ${MEASURE_COLUMNS.join(', ')})
     SELECT f.tenant_id, g.grain, ${BUCKET}, ${DIMS}, ${sums}
       FROM ${facts} ${GRAINS} WHERE f.tenant_id = $1
      GROUP BY 1, 2, 3, 4, 5, 6, 7
     ON CONFLICT (tenant_id, grain, bucket, ${DIMS}) DO UPDATE SET ${adds('analytics_cohorts')}`,
    `INSERT INTO analytics_turnaround (tenant_id, detail, grain, bucket, ${DIMS}, hours, n)
     SELECT f.tenant_id, true, g.grain, ${BUCKET}, ${DIMS}, f.turnaround_hours, ${sign} * count(*)
       FROM ${facts} ${GRAINS} WHERE ${delivered}
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
     ON CONFLICT (tenant_id, detail, grain, bucket, ${DIMS}, hours) DO UPDATE SET n = analytics_turnaround.n + excluded.n`,
    `INSERT INTO analytics_reach (tenant_id, detail, grain, bucket, ${DIMS}, jurisdiction, n)
     SELECT f.tenant_id, true, g.grain, ${BUCKET}, ${DIMS}, f.jurisdiction, ${sign} * count(*)
       FROM ${facts} ${GRAINS} WHERE ${reached}
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
     ON CONFLICT (tenant_id, detail, grain, bucket, ${DIMS}, jurisdiction) DO UPDATE SET n = analytics_reach.n + excluded.n`,
    // Each dimension on its own: the unfiltered dashboard.
    `INSERT INTO analytics_slices (tenant_id, grain, bucket, dimension, value, ${MEASURE_COLUMNS.join(', ')})
     SELECT f.tenant_id, g.grain, ${BUCKET}, d.dimension, d.value, ${sums}
       FROM ${facts} ${GRAINS} ${SLICES('d')}
      WHERE f.tenant_id = $1
      GROUP BY 1, 2, 3, 4, 5
     ON CONFLICT (tenant_id, grain, bucket, dimension, value) DO UPDATE SET ${adds('analytics_slices')}`,
    // One dimension's value by each dimension: a dashboard with one filter.
    `INSERT INTO analytics_pairs (tenant_id, dimension, value, grain, bucket, by_dimension, by_value, ${MEASURE_COLUMNS.join(', ')})
     SELECT f.tenant_id, d.dimension, d.value, g.grain, ${BUCKET}, e.dimension, e.value, ${sums}
       FROM ${facts} ${GRAINS} ${SLICES('d')} ${SLICES('e')}
      WHERE f.tenant_id = $1
      GROUP BY 1, 2, 3, 4, 5, 6, 7
     ON CONFLICT (tenant_id, dimension, value, grain, bucket, by_dimension, by_value) DO UPDATE SET ${adds('analytics_pairs')}`,
    `INSERT INTO analytics_turnaround_slices (tenant_id, dimension, value, grain, bucket, hours, n)
     SELECT f.tenant_id, d.dimension, d.value, g.grain, ${BUCKET}, f.turnaround_hours, ${sign} * count(*)
       FROM ${facts} ${GRAINS} ${SLICES('d', true)} WHERE ${delivered}
      GROUP BY 1, 2, 3, 4, 5, 6
     ON CONFLICT (tenant_id, dimension, value, grain, bucket, hours) DO UPDATE SET n = analytics_turnaround_slices.n + excluded.n`,
    `INSERT INTO analytics_reach_slices (tenant_id, dimension, value, grain, bucket, jurisdiction, n)
     SELECT f.tenant_id, d.dimension, d.value, g.grain, ${BUCKET}, f.jurisdiction, ${sign} * count(*)
       FROM ${facts} ${GRAINS} ${SLICES('d', true)} WHERE ${reached}
      GROUP BY 1, 2, 3, 4, 5, 6
     ON CONFLICT (tenant_id, dimension, value, grain, bucket, jurisdiction) DO UPDATE SET n = analytics_reach_slices.n + excluded.n`,
  ];
}

/** Rows of keys whose cases all moved elsewhere: every case counts in `started`, so zero there means an empty row. */
const EMPTIED = {
  analytics_cohorts: 'started = 0',
  analytics_slices: 'started = 0',
  analytics_pairs: 'started = 0',
  analytics_turnaround: 'n = 0',
  analytics_reach: 'n = 0',
  analytics_turnaround_slices: 'n = 0',
  analytics_reach_slices: 'n = 0',
};

const BATCH = `analytics_case_facts f JOIN analytics_batch b ON b.case_id = f.case_id`;
const SUBTRACT = applyFacts(-1, BATCH);
const ADD = applyFacts(1, BATCH);
/** Every rollup from all of a tenant's facts at once: one grouping pass each, into empty tables. */
const BUILD = applyFacts(1, `analytics_case_facts f`);

/** A first build reads every case of the hospital in a few long statements: a job's, not a page's, time limit. */
const BUILD_STATEMENT_TIMEOUT = '30min';

/** Taken by every writer of a tenant's rollups, so two never add to the same rows in different orders. */
const REFRESH_LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('analytics-refresh:' || $1, 0))`;

export interface RefreshReport {
  cases: number;
  rebuilt: boolean;
  /** Stopped at maxBatches with a full last batch: dirty cases may remain. */
  pending: boolean;
}

/**
 * Keeps the rollups exact. Source writes mark cases dirty (triggers, same transaction); a refresh takes a batch of
 * dirty cases, takes their old facts out of the rollups, recomputes their facts from the raw tables and adds them
 * back. Batches of one tenant take turns (an advisory lock), since two would lock the same rollup rows in different
 * orders; a case being written is locked and skipped until its writer commits.
 *
 * When the hospital's time zone changes (day boundaries move), and on the first refresh (which covers a history
 * written before analytics existed), every rollup is built again from nothing in one transaction: the facts of every
 * case, then each rollup in one grouping pass. Readers see the old figures until it commits, never a half-built
 * dashboard. A case written meanwhile stays dirty (its mark is cleared before the facts are read, so only marks the
 * build has seen go) and its next batch corrects it.
 */
@Injectable()
export class RollupRefresher {
  constructor(private readonly db: TenantDatabase) {}

  /** Refreshes until no dirty case is left (or `maxBatches` batches ran). */
  async refresh(tenantId: string, options: { batchSize?: number; maxBatches?: number } = {}): Promise<RefreshReport> {
    const batchSize = options.batchSize ?? 5000;
    const built = await this.rebuildIfNeeded(tenantId);
    const report: RefreshReport = { cases: built ?? 0, rebuilt: built !== null, pending: false };
    for (let i = 0; ; i++) {
      if (i >= (options.maxBatches ?? Infinity)) {
        report.pending = true;
        break;
      }
      const done = await this.db.forTenant(tenantId, (tx) => this.refreshBatch(tx, tenantId, batchSize));
      report.cases += done;
      if (done < batchSize) break;
    }
    return report;
  }

  /** Marks every case dirty and recounts visits: a full rebuild on the next refresh. */
  async invalidate(tenantId: string): Promise<void> {
    await this.db.forTenant(tenantId, (tx) =>
      tx.query(`UPDATE analytics_settings SET rollup_time_zone = NULL WHERE tenant_id = $1`, [tenantId]),
    );
  }

  /** The number of cases the rollups were built from, or null when they were current. */
  private rebuildIfNeeded(tenantId: string): Promise<number | null> {
    return this.db.forTenant(tenantId, async (tx) => {
      await tx.query(`INSERT INTO analytics_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
      const row = await one<{ rollup_time_zone: string | null; time_zone: string; currency: string }>(
        tx,
        `SELECT s.rollup_time_zone, t.time_zone, t.currency FROM analytics_settings s JOIN tenants t ON t.id = s.tenant_id
          WHERE s.tenant_id = $1 FOR UPDATE OF s`,
        [tenantId],
      );
      if (row.rollup_time_zone === row.time_zone) return null;
      await tx.query(REFRESH_LOCK, [tenantId]);
      await tx.query(`SET LOCAL statement_timeout = '${BUILD_STATEMENT_TIMEOUT}'`);
      for (const table of [...Object.keys(EMPTIED), 'analytics_visits', 'analytics_case_facts']) {
        await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
      }
      // Marks first, facts second: a write committed in between is in the facts and still marked (harmless); one
      // committed later is marked and not in the facts (its batch adds it).
      await tx.query(`DELETE FROM analytics_dirty_cases WHERE tenant_id = $1`, [tenantId]);
      const { built } = await one<{ built: number }>(
        tx,
        `WITH facts AS (
           INSERT INTO analytics_case_facts (tenant_id, case_id, started_on, ${DIMS}, jurisdiction, turnaround_hours, ${MEASURE_COLUMNS.join(', ')})
           ${caseFactsSelect(`cases c`)}
            WHERE c.tenant_id = $1
           RETURNING 1)
         SELECT count(*)::int AS built FROM facts`,
        [tenantId, row.time_zone, row.currency.trim()],
      );
      for (const sql of BUILD) await tx.query(sql, [tenantId]);
      await tx.query(
        `INSERT INTO analytics_visits (tenant_id, grain, bucket, campaign, visits)
         SELECT v.tenant_id, g.grain,
                CASE WHEN g.grain = 'day' THEN (v.landed_at AT TIME ZONE $2)::date ELSE date_trunc('month', v.landed_at AT TIME ZONE $2)::date END,
                analytics_campaign_key(v.utm_source, v.utm_medium, v.utm_campaign), count(*)
           FROM visits v ${GRAINS} WHERE v.tenant_id = $1 GROUP BY 1, 2, 3, 4`,
        [tenantId, row.time_zone],
      );
      await tx.query(`UPDATE analytics_settings SET rollup_time_zone = $2 WHERE tenant_id = $1`, [tenantId, row.time_zone]);
      return built;
    });
  }

  private async refreshBatch(tx: EntityManager, tenantId: string, batchSize: number): Promise<number> {
    // One batch of a tenant at a time: two batches add to the same rollup rows in different orders, and would
    // deadlock on their row locks. The lock is the transaction's; a page view waits for the batch before it.
    await tx.query(REFRESH_LOCK, [tenantId]);
    const tenant = await one<{ time_zone: string; currency: string }>(tx, `SELECT time_zone, currency FROM tenants WHERE id = $1`, [
      tenantId,
    ]);
    await tx.query(`CREATE TEMP TABLE analytics_batch (case_id uuid PRIMARY KEY) ON COMMIT DROP`);
    await tx.query(
      `WITH picked AS (
         SELECT case_id FROM analytics_dirty_cases WHERE tenant_id = $1 ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED
       ), taken AS (
         DELETE FROM analytics_dirty_cases d USING picked WHERE d.tenant_id = $1 AND d.case_id = picked.case_id RETURNING d.case_id
       )
       INSERT INTO analytics_batch SELECT case_id FROM taken`,
      [tenantId, batchSize],
    );
    const { n } = await one<{ n: number }>(tx, `SELECT count(*)::int AS n FROM analytics_batch`);
    if (n > 0) {
      await tx.query('ANALYZE analytics_batch');
      for (const sql of SUBTRACT) await tx.query(sql, [tenantId]);
      await tx.query(`DELETE FROM analytics_case_facts f USING analytics_batch b WHERE f.tenant_id = $1 AND f.case_id = b.case_id`, [
        tenantId,
      ]);
      await tx.query(
        `INSERT INTO analytics_case_facts (tenant_id, case_id, started_on, ${DIMS}, jurisdiction, turnaround_hours, ${MEASURE_COLUMNS.join(', ')})
         ${caseFactsSelect(`cases c JOIN analytics_batch b ON b.case_id = c.id`)}
          WHERE c.tenant_id = $1`,
        [tenantId, tenant.time_zone, tenant.currency.trim()],
      );
      for (const sql of ADD) await tx.query(sql, [tenantId]);
      for (const [table, empty] of Object.entries(EMPTIED))
        await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND ${empty}`, [tenantId]);
    }
    await tx.query(`DROP TABLE analytics_batch`);
    return n;
  }
}
