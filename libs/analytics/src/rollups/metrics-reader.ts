import { EntityManager } from 'typeorm';
import { rows, todayIn } from '@consilium/core';
import { bucketsOf, Period, PeriodBuckets } from '../period';
import { caseFactsSelect, Measure, MEASURE_COLUMNS } from './case-facts.sql';

export type Measures = Record<Measure, number>;

export interface AnalyticsFilter extends Period {
  specialtyId?: string;
  physicianId?: string;
  campaign?: string;
  jurisdictionClass?: string;
}

/** Everything the dashboard is derived from: sums of case facts by each dimension, and the non-additive parts. */
export interface MetricRows {
  total: Measures;
  bySpecialty: Record<string, Measures>;
  byPhysician: Record<string, Measures>;
  byCampaign: Record<string, Measures>;
  byJurisdictionClass: Record<string, Measures>;
  /** Keyed by the first day of the month, or by day for short periods. */
  bySeries: Record<string, Measures>;
  /** Delivered cases by whole hours from acceptance to delivery. */
  turnaround: Record<string, number>;
  /** Submitted cases by state or country. */
  reach: Record<string, number>;
  /** Landings by campaign and by series bucket; null when a filter names something visits do not carry. */
  visits: { byCampaign: Record<string, number>; bySeries: Record<string, number>; total: number } | null;
}

const SETS = ['specialty_id', 'physician_id', 'campaign', 'jurisdiction_class', 'series'] as const;
const SET_KEYS = {
  specialty_id: 'bySpecialty',
  physician_id: 'byPhysician',
  campaign: 'byCampaign',
  jurisdiction_class: 'byJurisdictionClass',
  series: 'bySeries',
} as const;

export const emptyMeasures = (): Measures => Object.fromEntries(MEASURE_COLUMNS.map((m) => [m, 0])) as Measures;

type SliceDimension = 'specialty' | 'physician' | 'campaign' | 'class';

/** The filter's dimensions as the slice rollups name them (ids as their canonical text). */
function sliceFilters(f: AnalyticsFilter): { dimension: SliceDimension; value: string }[] {
  const out: { dimension: SliceDimension; value: string }[] = [];
  if (f.specialtyId !== undefined) out.push({ dimension: 'specialty', value: f.specialtyId.toLowerCase() });
  if (f.physicianId !== undefined) out.push({ dimension: 'physician', value: f.physicianId.toLowerCase() });
  if (f.campaign !== undefined) out.push({ dimension: 'campaign', value: f.campaign });
  if (f.jurisdictionClass !== undefined) out.push({ dimension: 'class', value: f.jurisdictionClass });
  return out;
}

/**
 * Reads the dashboard's figures either from the rollups (what the pages use) or straight from the raw tables (the
 * baseline the tests and the benchmark compare against). Both return the same shape, so equality is one comparison.
 * Runs inside a tenant transaction: row-level security keeps every query to the hospital's own rows.
 */
export class MetricsReader {
  constructor(
    private readonly tx: EntityManager,
    private readonly tenant: { id: string; timeZone: string; currency: string },
  ) {}

  async fromRollups(filter: AnalyticsFilter): Promise<MetricRows> {
    const buckets = bucketsOf(filter, todayIn(this.tenant.timeZone));
    const params: unknown[] = [this.tenant.id, buckets.months, buckets.days];
    const where = [`tenant_id = $1`, `((grain = 'month' AND bucket = ANY($2::date[])) OR (grain = 'day' AND bucket = ANY($3::date[])))`];
    const series = buckets.series === 'day' ? 'bucket' : `date_trunc('month', bucket)::date`;
    // Rollup reads are small by design; a JIT compile of 27 sums would cost more than the query (10-20 ms).
    await this.tx.query(`SET LOCAL jit = off`);
    // Queries run one after another: a transaction is one connection, and pg queues concurrent queries anyway.
    const filters = sliceFilters(filter);
    let grouped: Omit<MetricRows, 'turnaround' | 'reach' | 'visits'>;
    let histogram: (table: 'analytics_turnaround' | 'analytics_reach', key: string) => Promise<Counted[]>;
    if (filters.length === 0) {
      // Each dimension's slices: a few dozen rows a month; every case has one class, so the classes add up to the whole.
      grouped = await this.slices(
        { table: 'analytics_slices', dimension: 'dimension', value: 'value', whole: 'class' },
        where,
        series,
        params,
      );
      histogram = (table, key) =>
        rows<Counted>(
          this.tx,
          `SELECT ${key} AS k, sum(n)::bigint AS n FROM ${table}_slices WHERE ${where.join(' AND ')} AND dimension = 'all' GROUP BY 1`,
          params,
        );
    } else if (filters.length === 1) {
      // One filter: that value's pairs with each dimension; its own dimension's rows add up to the whole.
      const [{ dimension, value }] = filters;
      const own = [...where, `dimension = $4`, `value = $5`];
      const ownParams = [...params, dimension, value];
      grouped = await this.slices(
        { table: 'analytics_pairs', dimension: 'by_dimension', value: 'by_value', whole: dimension },
        own,
        series,
        ownParams,
      );
      histogram = (table, key) =>
        rows<Counted>(
          this.tx,
          `SELECT ${key} AS k, sum(n)::bigint AS n FROM ${table}_slices WHERE ${own.join(' AND ')} GROUP BY 1`,
          ownParams,
        );
    } else {
      // Several filters: the detailed rollups, where every combination of dimensions is its own row.
      const dims = this.dimensionClauses(filter, params);
      const detail = [...where, ...dims];
      grouped = await this.grouped(`SELECT *, ${series} AS series FROM analytics_cohorts WHERE ${detail.join(' AND ')}`, params);
      // Months and days apart, not OR'd: each part is then one index-only scan of the covering index by specialty or
      // by physician, instead of thousands of rows fetched from all over the table.
      const part = (table: string, key: string, grain: 'month' | 'day', at: string) =>
        `SELECT ${key} AS k, n FROM ${table} WHERE tenant_id = $1 AND grain = '${grain}' AND bucket = ANY(${at}::date[]) AND ${dims.join(' AND ')} AND detail`;
      histogram = (table, key) =>
        rows<Counted>(
          this.tx,
          `SELECT k, sum(n)::bigint AS n FROM (${part(table, key, 'month', '$2')} UNION ALL ${part(table, key, 'day', '$3')}) r GROUP BY 1`,
          params,
        );
    }
    const turnaround = await histogram('analytics_turnaround', 'hours');
    const reach = await histogram('analytics_reach', 'jurisdiction');
    const visits = await this.visitsFromRollups(filter, buckets);
    return { ...grouped, turnaround: counts(turnaround), reach: counts(reach), visits };
  }

  /** Sums per dimension and value (slices, or one value's pairs); the rows of the `whole` dimension give the total and the series. */
  private async slices(
    source: { table: string; dimension: string; value: string; whole: SliceDimension },
    where: string[],
    series: string,
    params: unknown[],
  ): Promise<Omit<MetricRows, 'turnaround' | 'reach' | 'visits'>> {
    const sums = MEASURE_COLUMNS.map((m) => `coalesce(sum(${m}), 0)::bigint AS ${m}`).join(', ');
    const { table, dimension, value, whole } = source;
    const rows: Record<string, unknown>[] = await this.tx.query(
      `SELECT ${dimension} AS dimension, ${value} AS value, ${sums} FROM ${table} WHERE ${where.join(' AND ')} GROUP BY 1, 2`,
      params,
    );
    const bySeries: Record<string, unknown>[] = await this.tx.query(
      `SELECT (${series})::text AS series, ${sums} FROM ${table} WHERE ${where.join(' AND ')} AND ${dimension} = '${whole}' GROUP BY 1`,
      params,
    );
    const measures = (row: Record<string, unknown>) => Object.fromEntries(MEASURE_COLUMNS.map((m) => [m, Number(row[m])])) as Measures;
    const out = { total: emptyMeasures(), bySpecialty: {}, byPhysician: {}, byCampaign: {}, byJurisdictionClass: {}, bySeries: {} } as Omit<
      MetricRows,
      'turnaround' | 'reach' | 'visits'
    >;
    const key = { specialty: 'bySpecialty', physician: 'byPhysician', campaign: 'byCampaign', class: 'byJurisdictionClass' } as const;
    for (const row of rows) {
      const m = measures(row);
      out[key[row.dimension as SliceDimension]][String(row.value)] = m;
      if (row.dimension === whole) for (const c of MEASURE_COLUMNS) out.total[c] += m[c];
    }
    for (const row of bySeries) out.bySeries[String(row.series).slice(0, 10)] = measures(row);
    return out;
  }

  /** The naive way: compute every case's facts from its events, payments, opinion... then sum. */
  async fromRaw(filter: AnalyticsFilter): Promise<MetricRows> {
    const buckets = bucketsOf(filter);
    const params: unknown[] = [this.tenant.id, this.tenant.timeZone, this.tenant.currency, filter.from, filter.to];
    const where = this.dimensionClauses(filter, params);
    const series = buckets.series === 'day' ? 'started_on' : `date_trunc('month', started_on)::date`;
    const facts = `SELECT *, ${series} AS series FROM (${caseFactsSelect('cases c')}
        WHERE c.tenant_id = $1 AND c.created_at >= ($4::date::timestamp AT TIME ZONE $2) AND c.created_at < (($5::date + 1)::timestamp AT TIME ZONE $2)) f
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    const grouped = await this.grouped(facts, params);
    const turnaround = await rows<Counted>(
      this.tx,
      `SELECT turnaround_hours AS k, count(*)::bigint AS n FROM (${facts}) f WHERE turnaround_hours IS NOT NULL GROUP BY 1`,
      params,
    );
    const reach = await rows<Counted>(
      this.tx,
      `SELECT jurisdiction AS k, count(*)::bigint AS n FROM (${facts}) f WHERE submitted = 1 AND jurisdiction <> '' GROUP BY 1`,
      params,
    );
    let visits: MetricRows['visits'] = null;
    if (!filter.specialtyId && !filter.physicianId && filter.jurisdictionClass === undefined) {
      const vparams: unknown[] = [this.tenant.id, this.tenant.timeZone, filter.from, filter.to];
      const campaign = filter.campaign !== undefined ? (vparams.push(filter.campaign), `AND campaign = $${vparams.length}`) : '';
      const landings = await rows<VisitRow>(
        this.tx,
        `SELECT campaign, (${buckets.series === 'day' ? 'day' : `date_trunc('month', day)::date`})::text AS series, count(*)::bigint AS n FROM (
           SELECT analytics_campaign_key(utm_source, utm_medium, utm_campaign) AS campaign, (landed_at AT TIME ZONE $2)::date AS day
             FROM visits WHERE tenant_id = $1 AND landed_at >= ($3::date::timestamp AT TIME ZONE $2) AND landed_at < (($4::date + 1)::timestamp AT TIME ZONE $2)) v
          WHERE true ${campaign} GROUP BY 1, 2`,
        vparams,
      );
      visits = visitTotals(landings);
    }
    return { ...grouped, turnaround: counts(turnaround), reach: counts(reach), visits };
  }

  private dimensionClauses(filter: AnalyticsFilter, params: unknown[]): string[] {
    const clauses: string[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      clauses.push(`${column} = $${params.length}`);
    };
    add('specialty_id', filter.specialtyId);
    add('physician_id', filter.physicianId);
    add('campaign', filter.campaign);
    add('jurisdiction_class', filter.jurisdictionClass);
    return clauses;
  }

  /** One scan, every breakdown: GROUPING SETS gives the total and each dimension's rows together. */
  private async grouped(source: string, params: unknown[]): Promise<Omit<MetricRows, 'turnaround' | 'reach' | 'visits'>> {
    const sums = MEASURE_COLUMNS.map((m) => `coalesce(sum(${m}), 0)::bigint AS ${m}`).join(', ');
    const rows: Record<string, unknown>[] = await this.tx.query(
      `SELECT GROUPING(${SETS.join(', ')}) AS grouping, ${SETS.map((s) => `${s}::text AS ${s}`).join(', ')}, ${sums}
         FROM (${source}) r
        GROUP BY GROUPING SETS ((), ${SETS.map((s) => `(${s})`).join(', ')})`,
      params,
    );
    const out = { total: emptyMeasures(), bySpecialty: {}, byPhysician: {}, byCampaign: {}, byJurisdictionClass: {}, bySeries: {} } as Omit<
      MetricRows,
      'turnaround' | 'reach' | 'visits'
    >;
    for (const row of rows) {
      const measures = Object.fromEntries(MEASURE_COLUMNS.map((m) => [m, Number(row[m])])) as Measures;
      const grouping = Number(row.grouping);
      if (grouping === 2 ** SETS.length - 1) {
        out.total = measures;
        continue;
      }
      const index = SETS.findIndex((_, i) => (grouping & (1 << (SETS.length - 1 - i))) === 0);
      const set = SETS[index];
      const key = set === 'series' ? String(row.series).slice(0, 10) : String(row[set]);
      out[SET_KEYS[set]][key] = measures;
    }
    return out;
  }

  private async visitsFromRollups(filter: AnalyticsFilter, buckets: PeriodBuckets): Promise<MetricRows['visits']> {
    if (filter.specialtyId || filter.physicianId || filter.jurisdictionClass !== undefined) return null;
    const series = buckets.series;
    const params: unknown[] = [this.tenant.id, buckets.months, buckets.days];
    const campaign = filter.campaign !== undefined ? (params.push(filter.campaign), `AND campaign = $4`) : '';
    const landings = await rows<VisitRow>(
      this.tx,
      `SELECT campaign, (${series === 'day' ? 'bucket' : `date_trunc('month', bucket)::date`})::text AS series, sum(visits)::bigint AS n
         FROM analytics_visits
        WHERE tenant_id = $1 AND ((grain = 'month' AND bucket = ANY($2::date[])) OR (grain = 'day' AND bucket = ANY($3::date[]))) ${campaign}
        GROUP BY 1, 2`,
      params,
    );
    return visitTotals(landings);
  }
}

/** A count per key; counts are bigint, which pg hands over as strings. */
type Counted = { k: string | number; n: string };
/** Landings per campaign and series day or month. */
type VisitRow = { campaign: string; series: string; n: string };

function counts(rows: Counted[]): Record<string, number> {
  return Object.fromEntries(rows.filter((r) => Number(r.n) !== 0).map((r) => [String(r.k), Number(r.n)]));
}

function visitTotals(rows: VisitRow[]): NonNullable<MetricRows['visits']> {
  const out = { byCampaign: {} as Record<string, number>, bySeries: {} as Record<string, number>, total: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    const day = String(r.series).slice(0, 10);
    out.byCampaign[r.campaign] = (out.byCampaign[r.campaign] ?? 0) + n;
    out.bySeries[day] = (out.bySeries[day] ?? 0) + n;
    out.total += n;
  }
  return out;
}
