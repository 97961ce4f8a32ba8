import { Injectable } from '@nestjs/common';
import { OperatorDatabase } from '@consilium/core';
import { histogramPercentile, percent } from '../dashboard';
import { RollupRefresher } from '../rollups/rollup-refresher';

/** Fewer hospitals than this and a percentile could be worked back to one of them: it is not shown. */
export const MIN_HOSPITALS = 5;
/** A hospital counts towards a ratio only with at least this many cases under it (no 1-of-1 = 100%). */
export const MIN_DENOMINATOR = 10;
/** Each percentile is the mean of this many hospitals nearest its rank, so it is never one hospital's figure. */
export const NEIGHBOURS = 3;

export interface BenchmarkRow {
  metric: string;
  unit: 'percent' | 'hours' | 'score';
  hospitals: number;
  /** p25, p50, p75; null when fewer than MIN_HOSPITALS hospitals qualify. */
  percentiles: [number, number, number] | null;
}

interface TenantFigures {
  [metric: string]: { value: number | null; weight: number };
}

/**
 * A percentile across hospitals that reveals none of them: the rank p of k sorted values (k >= MIN_HOSPITALS),
 * averaged with its neighbours to NEIGHBOURS values. Min and max are never asked for.
 */
export function anonymousPercentile(values: number[], p: number): number | null {
  if (values.length < MIN_HOSPITALS) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const centre = Math.round(p * (sorted.length - 1));
  const start = Math.min(Math.max(centre - Math.floor(NEIGHBOURS / 2), 0), sorted.length - NEIGHBOURS);
  const window = sorted.slice(start, start + NEIGHBOURS);
  return Math.round((window.reduce((s, v) => s + v, 0) / window.length) * 10) / 10;
}

/**
 * Operators' view across hospitals: each hospital's ratios from its monthly rollups (operator data path, which
 * reads every tenant), reduced to anonymous percentiles. No hospital's name, id or own figure leaves this service.
 */
@Injectable()
export class Benchmarks {
  constructor(
    private readonly operatorDb: OperatorDatabase,
    private readonly refresher: RollupRefresher,
  ) {}

  async across(months: string[]): Promise<BenchmarkRow[]> {
    // Hospitals with changes not yet rolled up are brought up to date first (a refresh is per hospital, under RLS).
    const stale: { tenant_id: string }[] = await this.operatorDb.transaction((tx) =>
      tx.query(`SELECT DISTINCT tenant_id FROM analytics_dirty_cases UNION SELECT t.id FROM tenants t LEFT JOIN analytics_settings s ON s.tenant_id = t.id
                 WHERE s.rollup_time_zone IS DISTINCT FROM t.time_zone AND EXISTS (SELECT 1 FROM cases c WHERE c.tenant_id = t.id)`),
    );
    for (const { tenant_id } of stale) await this.refresher.refresh(tenant_id);

    const figures = await this.operatorDb.transaction(async (tx) => {
      const rows: Record<string, string>[] = await tx.query(
        `SELECT tenant_id, sum(started) AS started, sum(submitted) AS submitted, sum(accepted) AS accepted, sum(delivered) AS delivered,
                sum(consults) AS consults, sum(procedures) AS procedures, sum(opinions) AS opinions, sum(diagnosis_changed) AS diagnosis_changed,
                sum(treatment_changed) AS treatment_changed, sum(with_due) AS with_due, sum(on_time) AS on_time,
                sum(submitted) FILTER (WHERE jurisdiction_class IN ('out_of_state', 'international')) AS outside,
                sum(submitted) FILTER (WHERE jurisdiction_class <> '') AS routed,
                sum(check_in_30_answered) AS answered_30, sum(check_in_30_acted) AS acted_30, sum(satisfaction_sum) AS satisfaction_sum, sum(satisfaction_n) AS satisfaction_n
           FROM analytics_cohorts t WHERE grain = 'month' AND bucket = ANY($1::date[])
          GROUP BY tenant_id`,
        [months],
      );
      const hist: { tenant_id: string; hours: number; n: string }[] = await tx.query(
        `SELECT tenant_id, hours, sum(n) AS n FROM analytics_turnaround_slices WHERE dimension = 'all' AND grain = 'month' AND bucket = ANY($1::date[]) GROUP BY 1, 2`,
        [months],
      );
      const byTenant = new Map<string, TenantFigures>();
      for (const r of rows) {
        const n = (k: string) => Number(r[k] ?? 0);
        const ratio = (a: string, b: string) => ({ value: percent(n(a), n(b)), weight: n(b) });
        byTenant.set(r.tenant_id, {
          submitted_per_intake: ratio('submitted', 'started'),
          accepted_per_submitted: ratio('accepted', 'submitted'),
          consults_per_opinion: ratio('consults', 'delivered'),
          procedures_per_opinion: ratio('procedures', 'delivered'),
          diagnosis_changed: ratio('diagnosis_changed', 'opinions'),
          treatment_changed: ratio('treatment_changed', 'opinions'),
          on_time: ratio('on_time', 'with_due'),
          outside_home: ratio('outside', 'routed'),
          acted_30: ratio('acted_30', 'answered_30'),
          satisfaction: { value: n('satisfaction_n') ? n('satisfaction_sum') / n('satisfaction_n') : null, weight: n('satisfaction_n') },
        });
      }
      const histograms = new Map<string, Record<string, number>>();
      for (const h of hist) {
        const m = histograms.get(h.tenant_id) ?? {};
        m[h.hours] = Number(h.n);
        histograms.set(h.tenant_id, m);
      }
      for (const [tenantId, m] of histograms) {
        const f = byTenant.get(tenantId);
        const total = Object.values(m).reduce((s, v) => s + v, 0);
        if (f) f.turnaround_p50 = { value: histogramPercentile(m, 0.5), weight: total };
      }
      return [...byTenant.values()];
    });

    const metrics: [string, BenchmarkRow['unit']][] = [
      ['submitted_per_intake', 'percent'],
      ['accepted_per_submitted', 'percent'],
      ['consults_per_opinion', 'percent'],
      ['procedures_per_opinion', 'percent'],
      ['diagnosis_changed', 'percent'],
      ['treatment_changed', 'percent'],
      ['turnaround_p50', 'hours'],
      ['on_time', 'percent'],
      ['outside_home', 'percent'],
      ['acted_30', 'percent'],
      ['satisfaction', 'score'],
    ];
    return metrics.map(([metric, unit]) => {
      const values = figures
        .map((f) => f[metric])
        .filter((x) => x && x.value !== null && x.weight >= MIN_DENOMINATOR)
        .map((x) => x.value!);
      const ps = [0.25, 0.5, 0.75].map((p) => anonymousPercentile(values, p));
      return { metric, unit, hospitals: values.length, percentiles: ps[0] === null ? null : (ps as [number, number, number]) };
    });
  }
}
