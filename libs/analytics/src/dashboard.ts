import { Contribution } from './contribution';
import { addDays, bucketsOf, monthStart, nextMonth, Period } from './period';
import { emptyMeasures, MetricRows, Measures } from './rollups/metrics-reader';
import { NONE_ID } from './rollups/case-facts.sql';

/** A value and how to show it; CSV writes the same value without symbols. */
export type Cell =
  | { kind: 'text'; value: string }
  | { kind: 'count'; value: number }
  | { kind: 'percent'; value: number | null }
  | { kind: 'money'; value: number | null }
  | { kind: 'hours'; value: number | null }
  | { kind: 'decimal'; value: number | null };

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Coordinators see operational tables only. */
  operational: boolean;
}

export interface DashboardContext {
  period: Period;
  currency: string;
  /** The money section, computed from the same rows (contribution.ts). */
  contribution: Contribution;
  /** The previous period of the same length, for the summary strip. */
  previous: { total: Measures; contribution: Contribution };
  /** The settings the statement states as its basis. */
  basis: { paymentFeeBps: number; paymentFeeFixedMinor: number; defaultMarginBps: number };
  /** Each campaign's spend over the period (whole, not shared out): what its cost per request is made of. */
  campaignSpend: Record<string, number>;
  /** Requests started after this day are too young to have converted (the summary marks them). */
  youngSince: string;
  specialties: { id: string; name: string }[];
  /** Staff accounts that may be a case's physician, by account id. */
  physicians: { id: string; name: string }[];
  /** A place code as the reader names it: `CA` is "Canada", `US-CA` "California". */
  placeName: (code: string) => string;
  /** An amount in minor units as the page writes it (for the statement's basis column). */
  formatMoney: (minor: number) => string;
  /** Words in the page's language, by key (see views/i18n). */
  t: (key: string, vars?: Record<string, unknown>) => string;
}

/** The derived figures a test or a chart reads without parsing tables. */
export interface Headline {
  funnel: { step: string; count: number | null; rate: number | null }[];
  turnaroundP50Hours: number | null;
  turnaroundP90Hours: number | null;
  onTimeShare: number | null;
  outsideHomeShare: number | null;
  outcomes: { key: string; count: number; share: number | null; reference: number | null }[];
  money: Contribution;
  summary: SummaryFigure[];
  /** The period includes requests too young to have converted. */
  young: boolean;
  followThrough: { day: 30 | 90; answered: number; acted: number | null; partly: number | null }[];
  satisfaction: number | null;
  reach: { jurisdiction: string; count: number; share: number | null }[];
  series: {
    bucket: string;
    visits: number | null;
    started: number;
    submitted: number;
    delivered: number;
    consults: number;
    procedures: number;
  }[];
}

/** One figure of the summary strip, beside the same figure for the previous period. */
export interface SummaryFigure {
  key: 'requests' | 'opinions' | 'conversions' | 'net' | 'return' | 'payback';
  kind: 'count' | 'money' | 'percent' | 'months';
  current: number | null;
  previous: number | null;
}

export interface Dashboard {
  headline: Headline;
  tables: Table[];
}

/** Published references shown beside the hospital's outcomes (issue 9). */
export const REFERENCES = {
  mayo2017: { confirmed: 12, refined: 66, changed: 21 },
  national6791: { diagnosisChanged: 14.8, treatmentChanged: 37.4 },
};

/** n / d as a percentage with one decimal; none when nothing to divide by. */
export function percent(n: number, d: number): number | null {
  return d > 0 ? Math.round((n / d) * 1000) / 10 : null;
}

/** The smallest value whose cumulative count reaches p of all (percentile_disc), from a histogram. */
export function histogramPercentile(histogram: Record<string, number>, p: number): number | null {
  const entries = Object.entries(histogram)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (!total) return null;
  let seen = 0;
  for (const [value, n] of entries) {
    seen += n;
    if (seen >= p * total) return value;
  }
  return entries[entries.length - 1][0];
}

export function buildDashboard(rows: MetricRows, ctx: DashboardContext): Dashboard {
  const { t } = ctx;
  const m = rows.total;
  const specialtyName = (id: string) =>
    id === NONE_ID ? t('analytics.none.specialty') : (ctx.specialties.find((s) => s.id === id)?.name ?? t('analytics.none.withdrawn'));
  const physicianName = (id: string) =>
    id === NONE_ID ? t('analytics.none.physician') : (ctx.physicians.find((p) => p.id === id)?.name ?? t('analytics.none.withdrawn'));
  const campaignName = (key: string) => (key === '' ? t('analytics.none.campaign') : key);
  const classNameOf = (key: string) => (key === '' ? t('analytics.none.class') : t(`analytics.class.${key}`));

  // Each step's rate is of the step it follows from: appointment requests and consults both follow the opinion.
  const steps: [step: string, count: number | null, of: string | null][] = [
    ['visits', rows.visits ? rows.visits.total : null, null],
    ['started', m.started, 'visits'],
    ['submitted', m.submitted, 'started'],
    ['accepted', m.accepted, 'submitted'],
    ['delivered', m.delivered, 'accepted'],
    ['requested', m.requests, 'delivered'],
    ['consults', m.consults, 'delivered'],
    ['procedures', m.procedures, 'consults'],
  ];
  const funnel = steps.map(([step, count, of]) => {
    const previous = of === null ? null : (steps.find((x) => x[0] === of)?.[1] ?? null);
    return { step, count, rate: count !== null && previous !== null ? percent(count, previous) : null };
  });

  const p50 = histogramPercentile(rows.turnaround, 0.5);
  const p90 = histogramPercentile(rows.turnaround, 0.9);
  const byClass = rows.byJurisdictionClass;
  const classSubmitted = (k: string) => byClass[k]?.submitted ?? 0;
  const knownClass = classSubmitted('in_state') + classSubmitted('out_of_state') + classSubmitted('international');
  const outsideHomeShare = percent(classSubmitted('out_of_state') + classSubmitted('international'), knownClass);

  const outcomes = [
    {
      key: 'confirmed',
      count: m.diagnosis_confirmed,
      share: percent(m.diagnosis_confirmed, m.opinions),
      reference: REFERENCES.mayo2017.confirmed,
    },
    { key: 'refined', count: m.diagnosis_refined, share: percent(m.diagnosis_refined, m.opinions), reference: REFERENCES.mayo2017.refined },
    { key: 'changed', count: m.diagnosis_changed, share: percent(m.diagnosis_changed, m.opinions), reference: REFERENCES.mayo2017.changed },
    {
      key: 'diagnosis_changed_national',
      count: m.diagnosis_changed,
      share: percent(m.diagnosis_changed, m.opinions),
      reference: REFERENCES.national6791.diagnosisChanged,
    },
    {
      key: 'treatment_changed',
      count: m.treatment_changed,
      share: percent(m.treatment_changed, m.opinions),
      reference: REFERENCES.national6791.treatmentChanged,
    },
  ];

  const money = ctx.contribution;
  const previous = ctx.previous.contribution;
  const summary: SummaryFigure[] = [
    { key: 'requests', kind: 'count', current: m.submitted, previous: ctx.previous.total.submitted },
    { key: 'opinions', kind: 'count', current: m.delivered, previous: ctx.previous.total.delivered },
    { key: 'conversions', kind: 'count', current: m.converted, previous: ctx.previous.total.converted },
    { key: 'net', kind: 'money', current: money.netContributionMinor, previous: previous.netContributionMinor },
    { key: 'return', kind: 'percent', current: money.returnOnCost, previous: previous.returnOnCost },
    { key: 'payback', kind: 'months', current: money.paybackMonths, previous: previous.paybackMonths },
  ];
  const followThrough = [
    {
      day: 30 as const,
      answered: m.check_in_30_answered,
      acted: percent(m.check_in_30_acted, m.check_in_30_answered),
      partly: percent(m.check_in_30_partly, m.check_in_30_answered),
    },
    {
      day: 90 as const,
      answered: m.check_in_90_answered,
      acted: percent(m.check_in_90_acted, m.check_in_90_answered),
      partly: percent(m.check_in_90_partly, m.check_in_90_answered),
    },
  ];
  const satisfaction = m.satisfaction_n ? Math.round((m.satisfaction_sum / m.satisfaction_n) * 100) / 100 : null;
  const reachTotal = Object.values(rows.reach).reduce((s, n) => s + n, 0);
  const reach = Object.entries(rows.reach)
    .map(([jurisdiction, count]) => ({ jurisdiction, count, share: percent(count, reachTotal) }))
    .sort((a, b) => b.count - a.count || a.jurisdiction.localeCompare(b.jurisdiction));
  // Every period of the range, a quiet one included: a missing month would read as no month at all.
  const everyBucket: string[] = [];
  if (bucketsOf(ctx.period).series === 'day') for (let d = ctx.period.from; d <= ctx.period.to; d = addDays(d, 1)) everyBucket.push(d);
  else for (let m = monthStart(ctx.period.from); m <= ctx.period.to; m = nextMonth(m)) everyBucket.push(m);
  const seriesKeys = [...new Set([...everyBucket, ...Object.keys(rows.bySeries), ...Object.keys(rows.visits?.bySeries ?? {})])].sort();
  const series = seriesKeys.map((bucket) => {
    const x = rows.bySeries[bucket] ?? emptyMeasures();
    return {
      bucket,
      visits: rows.visits ? (rows.visits.bySeries[bucket] ?? 0) : null,
      started: x.started,
      submitted: x.submitted,
      delivered: x.delivered,
      consults: x.consults,
      procedures: x.procedures,
    };
  });

  const count = (value: number): Cell => ({ kind: 'count', value });
  const pct = (value: number | null): Cell => ({ kind: 'percent', value });
  const text = (value: string): Cell => ({ kind: 'text', value });
  const breakdownColumns = ['started', 'submitted', 'accepted', 'delivered', 'consults', 'procedures', 'consult_rate', 'on_time'].map((c) =>
    t(`analytics.col.${c}`),
  );
  const breakdown = (id: string, by: Record<string, Measures>, name: (k: string) => string): Table => ({
    id,
    title: t(`analytics.table.${id}`),
    operational: true,
    columns: [t(`analytics.col.${id}`), ...breakdownColumns],
    rows: Object.entries(by)
      .map(([k, x]) => [name(k), x] as const)
      .sort((a, b) => b[1].started - a[1].started || a[0].localeCompare(b[0]))
      .map(([label, x]) => [
        text(label),
        count(x.started),
        count(x.submitted),
        count(x.accepted),
        count(x.delivered),
        count(x.consults),
        count(x.procedures),
        pct(percent(x.consults, x.delivered)),
        pct(percent(x.on_time, x.with_due)),
      ]),
  });

  const tables: Table[] = [
    {
      id: 'funnel',
      title: t('analytics.table.funnel'),
      operational: true,
      columns: [t('analytics.col.step'), t('analytics.col.count'), t('analytics.col.rate')],
      rows: funnel.map((f) => [
        text(t(`analytics.step.${f.step}`)),
        f.count === null ? text(t('analytics.na')) : count(f.count),
        pct(f.rate),
      ]),
    },
    {
      id: 'series',
      title: t('analytics.table.series'),
      operational: true,
      columns: ['period', 'visits', 'started', 'submitted', 'delivered', 'consults', 'procedures'].map((c) => t(`analytics.col.${c}`)),
      rows: series.map((s) => [
        text(bucketsOf(ctx.period).series === 'month' ? s.bucket.slice(0, 7) : s.bucket),
        s.visits === null ? text(t('analytics.na')) : count(s.visits),
        count(s.started),
        count(s.submitted),
        count(s.delivered),
        count(s.consults),
        count(s.procedures),
      ]),
    },
    breakdown('specialty', rows.bySpecialty, specialtyName),
    breakdown('physician', rows.byPhysician, physicianName),
    breakdown('campaign', rows.byCampaign, campaignName),
    breakdown('jurisdiction_class', rows.byJurisdictionClass, classNameOf),
    {
      id: 'turnaround',
      title: t('analytics.table.turnaround'),
      operational: true,
      columns: ['delivered', 'p50', 'p90', 'with_due', 'on_time'].map((c) => t(`analytics.col.${c}`)),
      rows: [
        [
          count(m.delivered),
          { kind: 'hours', value: p50 },
          { kind: 'hours', value: p90 },
          count(m.with_due),
          pct(percent(m.on_time, m.with_due)),
        ],
      ],
    },
    {
      id: 'reach',
      title: t('analytics.table.reach'),
      operational: true,
      columns: ['jurisdiction', 'submitted', 'share'].map((c) => t(`analytics.col.${c}`)),
      rows: reach.map((r) => [
        text(r.jurisdiction ? ctx.placeName(r.jurisdiction) : t('analytics.none.class')),
        count(r.count),
        pct(r.share),
      ]),
    },
    {
      id: 'reach_classes',
      title: t('analytics.table.reach_classes'),
      operational: true,
      columns: ['in_state', 'out_of_state', 'international', 'outside_home'].map((c) => t(`analytics.col.${c}`)),
      rows: [
        [
          count(classSubmitted('in_state')),
          count(classSubmitted('out_of_state')),
          count(classSubmitted('international')),
          pct(outsideHomeShare),
        ],
      ],
    },
    {
      id: 'outcomes',
      title: t('analytics.table.outcomes'),
      operational: false,
      columns: ['outcome', 'count', 'share', 'reference'].map((c) => t(`analytics.col.${c}`)),
      rows: outcomes.map((o) => [text(t(`analytics.outcome.${o.key}`)), count(o.count), pct(o.share), pct(o.reference)]),
    },
    contributionTable(money, ctx),
    campaignCostTable(rows, ctx),
    {
      id: 'follow_through',
      title: t('analytics.table.follow_through'),
      operational: false,
      columns: ['check_in', 'answered', 'acted', 'partly'].map((c) => t(`analytics.col.${c}`)),
      rows: followThrough.map((f) => [text(t(`analytics.check_in.${f.day}`)), count(f.answered), pct(f.acted), pct(f.partly)]),
    },
    {
      id: 'satisfaction',
      title: t('analytics.table.satisfaction'),
      operational: false,
      columns: [t('analytics.col.answers'), t('analytics.col.average')],
      rows: [[count(m.satisfaction_n), { kind: 'decimal', value: satisfaction }]],
    },
  ];
  return {
    headline: {
      funnel,
      turnaroundP50Hours: p50,
      turnaroundP90Hours: p90,
      onTimeShare: percent(m.on_time, m.with_due),
      outsideHomeShare,
      outcomes,
      money,
      summary,
      young: ctx.period.to >= ctx.youngSince,
      followThrough,
      satisfaction,
      reach,
      series,
    },
    tables,
  };
}

/**
 * The money section as a statement a finance person can trace: each line with the basis it was computed on. Lines
 * that are subtracted carry their sign; estimated values are never on the same line as recorded ones.
 */
function contributionTable(c: Contribution, ctx: DashboardContext): Table {
  const { t } = ctx;
  const money = (value: number): Cell => ({ kind: 'money', value });
  // A subtracted line shows its sign; nothing subtracted is a plain zero, not "-$0".
  const less = (value: number): Cell => money(value === 0 ? 0 : -value);
  const line = (key: string, value: Cell, basis: string): Cell[] => [
    { kind: 'text', value: t(`analytics.money.${key}`) },
    value,
    { kind: 'text', value: basis },
  ];
  const bps = (v: number) => v / 100;
  return {
    id: 'money',
    title: t('analytics.table.money'),
    operational: false,
    columns: [t('analytics.col.line'), t('analytics.col.amount'), t('analytics.col.basis')],
    rows: [
      line('gross', money(c.grossMinor), t('analytics.basis.gross', { count: c.capturedPayments })),
      line('refunds', less(c.refundsMinor), ''),
      line('platform_fee', less(c.platformFeeMinor), t('analytics.basis.platform_fee')),
      line(
        'payment_fees',
        less(c.paymentFeesMinor),
        t('analytics.basis.payment_fees', {
          rate: bps(ctx.basis.paymentFeeBps),
          fixed: ctx.formatMoney(ctx.basis.paymentFeeFixedMinor),
          count: c.capturedPayments,
        }),
      ),
      line('net_revenue', money(c.netRevenueMinor), ''),
      line('funded', money(c.fundedMinor), t('analytics.basis.funded')),
      line('extras', money(c.extrasMinor), t('analytics.basis.extras')),
      line(
        'recorded',
        money(c.recordedContributionMinor),
        t('analytics.basis.recorded', { value: ctx.formatMoney(c.recordedValueMinor), margin: bps(ctx.basis.defaultMarginBps) }),
      ),
      line(
        'estimated',
        money(c.estimatedContributionMinor),
        t('analytics.basis.estimated', {
          count: c.unvaluedProcedures,
          value: ctx.formatMoney(c.estimatedValueMinor),
          margin: bps(ctx.basis.defaultMarginBps),
        }),
      ),
      line('fixed_cost', less(c.fixedSharedMinor), t('analytics.basis.fixed_cost', { whole: ctx.formatMoney(c.fixedCostMinor) })),
      line(
        'campaign_spend',
        less(c.campaignSharedMinor),
        t('analytics.basis.campaign_spend', { whole: ctx.formatMoney(c.campaignSpendMinor) }),
      ),
      line('stipends', less(c.stipendsMinor), t('analytics.basis.stipends')),
      line(
        'cost',
        less(c.programCostMinor),
        c.share === null ? t('analytics.basis.cost_whole') : t('analytics.basis.cost_shared', { share: Math.round(c.share * 1000) / 10 }),
      ),
      line('net', money(c.netContributionMinor), ''),
      line('roi', { kind: 'percent', value: c.returnOnCost }, t('analytics.basis.roi')),
      line('payback', { kind: 'decimal', value: c.paybackMonths }, t('analytics.basis.payback')),
    ],
  };
}

/** Cost per request and per conversion by campaign: its spend over the period over what it brought. */
function campaignCostTable(rows: MetricRows, ctx: DashboardContext): Table {
  const { t } = ctx;
  const keys = [...new Set([...Object.keys(rows.byCampaign), ...Object.keys(ctx.campaignSpend)])].filter((k) => k !== '').sort();
  const per = (spend: number, n: number) => (n > 0 ? Math.round(spend / n) : null);
  return {
    id: 'campaign_cost',
    title: t('analytics.table.campaign_cost'),
    operational: false,
    columns: ['campaign', 'spend', 'submitted', 'conversions', 'cost_per_request', 'cost_per_conversion'].map((c) =>
      t(`analytics.col.${c}`),
    ),
    rows: keys.map((key) => {
      const spend = ctx.campaignSpend[key] ?? 0;
      const x = rows.byCampaign[key] ?? emptyMeasures();
      return [
        { kind: 'text', value: key },
        { kind: 'money', value: spend },
        { kind: 'count', value: x.submitted },
        { kind: 'count', value: x.converted },
        { kind: 'money', value: per(spend, x.submitted) },
        { kind: 'money', value: per(spend, x.converted) },
      ];
    }),
  };
}
