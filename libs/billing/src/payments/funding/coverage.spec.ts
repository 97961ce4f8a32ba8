import { coveredAmount, coverageKind } from './coverage';

describe('funding coverage', () => {
  it('covers all, a share, or a fixed amount, never more than the price', () => {
    expect(coveredAmount({ coversPercent: 100 }, 95000)).toBe(95000);
    expect(coveredAmount({ coversPercent: 50 }, 95001)).toBe(47500);
    expect(coveredAmount({ coversMinor: 20000 }, 95000)).toBe(20000);
    expect(coveredAmount({ coversMinor: 200000 }, 95000)).toBe(95000);
    expect(coveredAmount({}, 95000)).toBe(0);
  });

  it('names the kind of coverage', () => {
    expect(coverageKind({ coversPercent: 100 })).toBe('full');
    expect(coverageKind({ coversPercent: 30 })).toBe('percent');
    expect(coverageKind({ coversMinor: 100 })).toBe('fixed');
  });

  it('refuses a price that is not whole minor units', () => {
    expect(() => coveredAmount({ coversPercent: 10 }, 10.5)).toThrow(RangeError);
  });
});
