import { addBusinessDays } from '../assignment/business-days';

/** A hospital's working calendar: its time zone and the days it is closed (`YYYY-MM-DD` there). */
export interface BusinessCalendar {
  timeZone: string;
  holidays: readonly string[];
}

/** What a case promises the patient. `promisedBy` is the opinion's date once accepted; before that, `triageBy`. */
export interface CasePromise {
  triageBy: Date | null;
  promisedBy: Date | null;
  pausedAt: Date | null;
}

/** Triage (accept, decline or ask for records) is promised this many business days after submission. */
export const TRIAGE_BUSINESS_DAYS = 2;
/** When an offering says nothing, the opinion is promised this many business days after acceptance. */
export const DEFAULT_TURNAROUND_DAYS = 5;
/** A late case's new date, counted from the moment it was found late. */
export const LATE_GRACE_BUSINESS_DAYS = 2;

/** At submission: the promise of triage. */
export function promiseTriage(submittedAt: Date, calendar: BusinessCalendar): Date {
  return addBusinessDays(submittedAt, TRIAGE_BUSINESS_DAYS, calendar.timeZone, calendar.holidays);
}

/** At acceptance, once: the promise of the opinion, the offering's turnaround in the hospital's business days. */
export function promiseOpinion(acceptedAt: Date, turnaroundDays: number | null | undefined, calendar: BusinessCalendar): Date {
  return addBusinessDays(acceptedAt, turnaroundDays ?? DEFAULT_TURNAROUND_DAYS, calendar.timeZone, calendar.holidays);
}

/** The care team waits for the patient's records: the running clock stops. A second ask while stopped changes nothing. */
export function pausePromise(p: CasePromise, at: Date): CasePromise {
  if (p.pausedAt) return p;
  return { ...p, pausedAt: at };
}

/**
 * The records came: the clock runs again, and the promise that was running (the opinion's once accepted, else
 * triage's) moves by exactly the time it was stopped. Nothing else ever moves it.
 */
export function resumePromise(p: CasePromise, at: Date): { promise: CasePromise; pausedMs: number } {
  if (!p.pausedAt) return { promise: p, pausedMs: 0 };
  const pausedMs = Math.max(0, at.getTime() - p.pausedAt.getTime());
  const shift = (d: Date | null) => (d ? new Date(d.getTime() + pausedMs) : null);
  const promise = p.promisedBy
    ? { ...p, promisedBy: shift(p.promisedBy), pausedAt: null }
    : { ...p, triageBy: shift(p.triageBy), pausedAt: null };
  return { promise, pausedMs };
}

/** Past its promise: an opinion not delivered by its date, with no records pause running. */
export function isLate(p: CasePromise, delivered: boolean, now: Date): boolean {
  return !!p.promisedBy && !delivered && !p.pausedAt && now.getTime() >= p.promisedBy.getTime();
}

/**
 * When a late-refund rule of `afterDays` fires: that many of the hospital's business days after the promise, counted
 * like the promise itself (a weekend or a holiday never makes an opinion "late by" a day more).
 */
export function lateRuleFiresAt(promisedBy: Date, afterDays: number, calendar: BusinessCalendar): Date {
  return addBusinessDays(promisedBy, afterDays, calendar.timeZone, calendar.holidays);
}

/** The date a late case's patient is given instead. */
export function revisedDate(now: Date, calendar: BusinessCalendar): Date {
  return addBusinessDays(now, LATE_GRACE_BUSINESS_DAYS, calendar.timeZone, calendar.holidays);
}

/** What the patient and staff are shown of a promise: which one is running, its date, and since when it is paused. */
export interface PromiseShown {
  kind: 'triage' | 'opinion' | 'paused' | 'late';
  /** `cases.promise.<kind>`: "Triage by …", "Opinion by …", "Paused …", "Running late: new date …". */
  key: string;
  date: Date;
  since?: Date;
}

/** States in which a promise is still owed (the patient is waiting on the hospital, or the clock is paused). */
const PROMISE_STATES = ['submitted', 'triage', 'awaiting_records', 'accepted', 'assigned', 'in_review', 'opinion_signed'];

/** The promise to show for a case now, or null once there is nothing left to promise (delivered, closed, declined …). */
export function promiseShown(
  c: CasePromise & { state: string; deliveredAt: Date | null; lateAt: Date | null; revisedBy: Date | null },
  now: Date,
): PromiseShown | null {
  if (!PROMISE_STATES.includes(c.state) || c.deliveredAt) return null;
  const running = c.promisedBy ?? c.triageBy;
  if (!running) return null;
  if (c.pausedAt) return { kind: 'paused', key: 'cases.promise.paused', date: running, since: c.pausedAt };
  if (c.lateAt || isLate(c, false, now)) return { kind: 'late', key: 'cases.promise.late', date: c.revisedBy ?? running };
  return c.promisedBy
    ? { kind: 'opinion', key: 'cases.promise.opinion', date: c.promisedBy }
    : { kind: 'triage', key: 'cases.promise.triage', date: running };
}
