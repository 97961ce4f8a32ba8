import fc from 'fast-check';
import { todayIn } from '@consilium/core';
import { CasePromise, isLate, pausePromise, promiseOpinion, promiseShown, resumePromise } from './promise-clock';

/** Zones with and without daylight saving, half-hour offsets and a half-hour DST shift (Lord Howe). */
const ZONES = ['UTC', 'America/Chicago', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Sao_Paulo'];
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 11, 31);
const DAY = 86_400_000;

const calendarDate = fc
  .integer({ min: 0, max: Math.floor((TO - FROM) / DAY) })
  .map((n) => new Date(FROM + n * DAY).toISOString().slice(0, 10));
const calendar = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  holidays: fc.uniqueArray(calendarDate, { maxLength: 60 }),
});
const moment = fc.integer({ min: FROM, max: TO - 120 * DAY }).map((ms) => new Date(ms));

/** The next calendar date after `date` (YYYY-MM-DD). */
const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
const isBusinessDay = (date: string, holidays: readonly string[]) => {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.includes(date);
};

describe('the promise clock (property)', () => {
  it('promises the opinion on a business day of the hospital, exactly N business days after acceptance', () => {
    fc.assert(
      fc.property(calendar, moment, fc.integer({ min: 1, max: 30 }), (cal, acceptedAt, days) => {
        const promised = promiseOpinion(acceptedAt, days, cal);
        const start = todayIn(cal.timeZone, acceptedAt);
        const end = todayIn(cal.timeZone, promised);
        expect(promised.getTime()).toBeGreaterThan(acceptedAt.getTime());
        expect(isBusinessDay(end, cal.holidays)).toBe(true);
        let counted = 0;
        for (let d = nextDate(start); d <= end; d = nextDate(d)) if (isBusinessDay(d, cal.holidays)) counted++;
        expect(counted).toBe(days);
      }),
      { numRuns: 400 },
    );
  });

  it('never moves the promise except by a records pause, which extends it by exactly the pause', () => {
    type Step = { kind: 'wait'; ms: number } | { kind: 'reassign' } | { kind: 'pause' } | { kind: 'resume' } | { kind: 'check' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 9 * DAY }) }),
      fc.constant({ kind: 'reassign' as const }),
      fc.constant({ kind: 'pause' as const }),
      fc.constant({ kind: 'resume' as const }),
      fc.constant({ kind: 'check' as const }),
    );
    fc.assert(
      fc.property(calendar, moment, fc.integer({ min: 1, max: 20 }), fc.array(step, { maxLength: 40 }), (cal, acceptedAt, days, steps) => {
        const first = promiseOpinion(acceptedAt, days, cal);
        let p: CasePromise = { triageBy: null, promisedBy: first, pausedAt: null };
        let now = acceptedAt;
        let paused = 0;
        for (const s of steps) {
          const before = p.promisedBy!.getTime();
          if (s.kind === 'wait') now = new Date(now.getTime() + s.ms);
          else if (s.kind === 'pause') p = pausePromise(p, now);
          else if (s.kind === 'resume') {
            const wasPaused = p.pausedAt;
            const resumed = resumePromise(p, now);
            p = resumed.promise;
            paused += wasPaused ? now.getTime() - wasPaused.getTime() : 0;
            expect(resumed.pausedMs).toBe(wasPaused ? now.getTime() - wasPaused.getTime() : 0);
            expect(p.promisedBy!.getTime() - before).toBe(resumed.pausedMs);
            continue;
          } else if (s.kind === 'check') {
            // Paused means never late; otherwise late exactly once the (moved) promise has passed.
            expect(isLate(p, false, now)).toBe(!p.pausedAt && now.getTime() >= p.promisedBy!.getTime());
            expect(isLate(p, true, now)).toBe(false);
          }
          // Waiting, reassigning, pausing and checking leave the date alone (a reassignment is no input at all).
          expect(p.promisedBy!.getTime()).toBe(before);
        }
        expect(p.promisedBy!.getTime()).toBe(first.getTime() + paused);
        // Recomputing from the same acceptance gives the same date: nothing but the pause is remembered.
        expect(promiseOpinion(acceptedAt, days, cal).getTime()).toBe(first.getTime());
      }),
      { numRuns: 400 },
    );
  });

  it('shows what is promised: triage, then the opinion, paused, or late with the new date', () => {
    const at = new Date('2027-03-01T15:00:00Z');
    const base = { state: 'triage', deliveredAt: null, lateAt: null, revisedBy: null, pausedAt: null, promisedBy: null };
    const triageBy = new Date('2027-03-03T15:00:00Z');
    expect(promiseShown({ ...base, triageBy }, at)).toMatchObject({ kind: 'triage', date: triageBy });
    const promisedBy = new Date('2027-03-10T15:00:00Z');
    expect(promiseShown({ ...base, state: 'assigned', triageBy, promisedBy }, at)).toMatchObject({ kind: 'opinion', date: promisedBy });
    expect(promiseShown({ ...base, state: 'assigned', triageBy, promisedBy, pausedAt: at }, at)).toMatchObject({
      kind: 'paused',
      since: at,
    });
    const revisedBy = new Date('2027-03-14T15:00:00Z');
    expect(promiseShown({ ...base, state: 'in_review', triageBy, promisedBy, lateAt: at, revisedBy }, at)).toMatchObject({
      kind: 'late',
      date: revisedBy,
    });
    expect(promiseShown({ ...base, state: 'delivered', triageBy, promisedBy, deliveredAt: at }, at)).toBeNull();
    expect(promiseShown({ ...base, state: 'declined', triageBy }, at)).toBeNull();
  });
});
