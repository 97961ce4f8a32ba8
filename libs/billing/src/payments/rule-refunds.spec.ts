import { ruleRefundDue } from './rule-refunds';

const DAY = 86_400_000;
// A Friday afternoon in Chicago; the Monday after is the hospital's holiday.
const promisedBy = new Date('2026-12-04T15:00:00Z');
const calendar = { timeZone: 'America/Chicago', holidays: ['2026-12-07'] };
const rules = [
  { afterDays: 2, percent: 50 },
  { afterDays: 5, percent: 100 },
];
const due = (lateMs: number, refundedByRuleMinor = 0, more: { paused?: boolean; delivered?: boolean } = {}) =>
  ruleRefundDue({
    rules,
    calendar,
    promisedBy,
    paused: !!more.paused,
    delivered: !!more.delivered,
    now: new Date(promisedBy.getTime() + lateMs),
    capturedMinor: 50_001,
    refundedByRuleMinor,
  }).amountMinor;

describe('refunds by rule', () => {
  it("owes the share of the rule the lateness has reached in the hospital's business days, less what rules already refunded", () => {
    expect(due(-1)).toBe(0);
    // Saturday, Sunday and the Monday holiday do not count: two business days late is Wednesday at the same hour.
    expect(due(2 * DAY)).toBe(0);
    expect(due(5 * DAY - 1)).toBe(0);
    expect(due(5 * DAY)).toBe(25_000);
    expect(due(6 * DAY, 25_000)).toBe(0);
    // Five business days: Tuesday to Friday, then Monday the 14th.
    expect(due(10 * DAY - 1, 25_000)).toBe(0);
    expect(due(10 * DAY, 25_000)).toBe(25_001);
    expect(due(12 * DAY, 50_001)).toBe(0);
  });

  it('owes nothing while the clock is paused for records, or once the opinion is delivered', () => {
    expect(due(6 * DAY, 0, { paused: true })).toBe(0);
    expect(due(6 * DAY, 0, { delivered: true })).toBe(0);
    expect(
      ruleRefundDue({
        rules: [],
        calendar,
        promisedBy,
        paused: false,
        delivered: false,
        now: new Date(promisedBy.getTime() + 30 * DAY),
        capturedMinor: 100,
        refundedByRuleMinor: 0,
      }).amountMinor,
    ).toBe(0);
  });
});
