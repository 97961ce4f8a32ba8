import { todayIn } from '@consilium/core';
/** Calendar dates (YYYY-MM-DD) in the hospital's time zone; the dashboard's period is inclusive at both ends. */
export interface Period {
  from: string;
  to: string;
}

/** Which rollup rows cover a period: whole months from the monthly grain, the rest day by day. */
export interface PeriodBuckets {
  /** Daily series (short periods) or monthly. */
  series: 'day' | 'month';
  months: string[];
  days: string[];
}

const DAY_MS = 86400000;
const parse = (date: string) => Date.parse(`${date}T00:00:00Z`);
const format = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function addDays(date: string, n: number): string {
  return format(parse(date) + n * DAY_MS);
}

export function daysIn(period: Period): number {
  return Math.round((parse(period.to) - parse(period.from)) / DAY_MS) + 1;
}

export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

export function daysInMonth(month: string): number {
  return Math.round((parse(nextMonth(month)) - parse(monthStart(month))) / DAY_MS);
}

/**
 * Periods up to 62 days are read and charted by day; longer ones by month, with partial months read by day. A month
 * the period covers up to `today` or later is read whole: nothing is dated after today, so the whole month is the
 * month to date (this keeps "the last 12 months" to twelve monthly reads instead of a month of daily ones).
 */
export function bucketsOf(period: Period, today?: string): PeriodBuckets {
  const days: string[] = [];
  const months: string[] = [];
  if (daysIn(period) <= 62) {
    for (let d = period.from; d <= period.to; d = addDays(d, 1)) days.push(d);
    return { series: 'day', months, days };
  }
  for (let m = monthStart(period.from); m <= period.to; m = nextMonth(m)) {
    const last = addDays(nextMonth(m), -1);
    if (m >= period.from && (last <= period.to || (today !== undefined && period.to >= today))) months.push(m);
    else for (let d = m < period.from ? period.from : m; d <= last && d <= period.to; d = addDays(d, 1)) days.push(d);
  }
  return { series: 'month', months, days };
}

/** The default period: the last twelve months including the current one, to today. */
export function defaultPeriod(timeZone: string, now = new Date()): Period {
  const to = todayIn(timeZone, now);
  const [y, m] = to.split('-').map(Number);
  const back = new Date(Date.UTC(y, m - 1 - 11, 1));
  return { from: format(back.getTime()), to };
}

/** The fixed monthly cost spread over the days of the period that fall in each month, rounded once. */
export function proratedMonthlyCost(monthlyMinor: number, period: Period): number {
  let cost = 0;
  for (let m = monthStart(period.from); m <= period.to; m = nextMonth(m)) {
    const first = m < period.from ? period.from : m;
    const lastOfMonth = addDays(nextMonth(m), -1);
    const last = lastOfMonth > period.to ? period.to : lastOfMonth;
    cost += (monthlyMinor * daysIn({ from: first, to: last })) / daysInMonth(m);
  }
  return Math.round(cost);
}
