import { histogramPercentile } from './dashboard';
import { bucketsOf, defaultPeriod, proratedMonthlyCost } from './period';

describe('periods', () => {
  it('reads whole months from the monthly rollup and the edges day by day', () => {
    const b = bucketsOf({ from: '2026-01-30', to: '2026-04-02' });
    expect(b.series).toBe('month');
    expect(b.months).toEqual(['2026-02-01', '2026-03-01']);
    expect(b.days).toEqual(['2026-01-30', '2026-01-31', '2026-04-01', '2026-04-02']);
  });

  it('reads short periods day by day', () => {
    const b = bucketsOf({ from: '2026-02-27', to: '2026-03-02' });
    expect(b).toEqual({ series: 'day', months: [], days: ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'] });
  });

  it('spreads the monthly cost over the days of each month', () => {
    expect(proratedMonthlyCost(100000, { from: '2026-01-01', to: '2026-03-31' })).toBe(300000);
    expect(proratedMonthlyCost(100000, { from: '2026-02-15', to: '2026-02-28' })).toBe(50000);
  });

  it('defaults to the last twelve months in the hospital time zone', () => {
    expect(defaultPeriod('Pacific/Kiritimati', new Date('2026-11-30T12:00:00Z'))).toEqual({ from: '2026-01-01', to: '2026-12-01' });
    expect(defaultPeriod('America/New_York', new Date('2026-11-30T12:00:00Z'))).toEqual({ from: '2025-12-01', to: '2026-11-30' });
  });

  it('takes percentiles from a histogram as percentile_disc does', () => {
    expect(histogramPercentile({ 10: 1, 72: 1, 120: 1 }, 0.5)).toBe(72);
    expect(histogramPercentile({ 10: 1, 72: 1, 120: 1 }, 0.9)).toBe(120);
    expect(histogramPercentile({ 5: 2, 9: 2 }, 0.5)).toBe(5);
    expect(histogramPercentile({}, 0.5)).toBeNull();
  });
});
