import { formatPercent, showCell } from './format';

describe('analytics figures in the reader’s locale', () => {
  it('writes a percentage with the locale’s decimal mark, space and sign', () => {
    expect(formatPercent(12.5, 'en')).toBe('12.5%');
    expect(formatPercent(12.5, 'fr')).toBe('12,5\u00a0%');
    expect(formatPercent(12.5, 'fr-CA')).toBe('12,5\u00a0%');
    expect(formatPercent(100, 'en')).toBe('100.0%');
    expect(formatPercent(null, 'fr')).toBe('–');
  });

  it('formats cells by the same rules', () => {
    expect(showCell({ kind: 'percent', value: 66.66 }, 'USD', 'fr')).toBe('66,7\u00a0%');
    expect(showCell({ kind: 'count', value: 12345 }, 'USD', 'fr')).toBe('12\u202f345');
    expect(showCell({ kind: 'hours', value: 36 }, 'USD', 'fr')).toBe('36 h (1,5 d)');
  });
});
