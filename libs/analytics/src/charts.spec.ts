import { textsOutsideViewBox } from '../../../test/support/svg-bounds';
import { barChart, columnChart, wrap } from './charts';

describe('charts', () => {
  const long = 'Diagnóstico modificado (programa nacional, 6.791 casos), nuestro resultado';

  it('wraps long labels instead of cutting them, and keeps every text inside the drawing', () => {
    const svg = barChart('t', [
      { label: long, value: 40, display: '40,0 %' },
      { label: 'Canada', value: 100, display: '1 234 567 (100,0 %)' },
      { label: 'x', value: 0, display: '–' },
    ]);
    expect(svg).not.toContain('…');
    for (const word of long.split(' ')) expect(svg).toContain(word.replace(/,$/, ''));
    expect(textsOutsideViewBox(svg)).toEqual([]);
    expect(wrap(long).every((l) => l.length <= 26 || !l.includes(' '))).toBe(true);
  });

  it('keeps period labels and figures inside, marks the period still running, for few and many columns', () => {
    for (const n of [1, 3, 12, 40]) {
      const bars = Array.from({ length: n }, (_, i) => ({
        label: `2026-${String((i % 12) + 1).padStart(2, '0')}`,
        value: i * 1000,
        display: (i * 1000).toLocaleString('fr'),
        partial: i === n - 1,
      }));
      const svg = columnChart('t', bars, { partialNote: '(à ce jour)' });
      expect(textsOutsideViewBox(svg)).toEqual([]);
      expect(svg.match(/data-partial="true"/g)).toHaveLength(1);
      expect(svg).toContain('(à ce jour)');
    }
  });

  it('finds a text that does leave the drawing (the check can fail)', () => {
    expect(textsOutsideViewBox('<svg viewBox="0 0 50 20" font-size="13"><text x="45" y="15">far too long</text></svg>')).not.toEqual([]);
  });
});
