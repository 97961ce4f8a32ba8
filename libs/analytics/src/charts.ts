/**
 * Charts as server-rendered SVG, inline in the page: no script, and readable without colour. Every bar carries its
 * figure as text; series told apart by a pattern (solid / hatched) are also named in words beside each bar.
 */
export interface Bar {
  label: string;
  value: number;
  /** The figure as shown (e.g. "41.7%"). */
  display: string;
  hatched?: boolean;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
let serial = 0;

const HATCH = (id: string) =>
  `<defs><pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="3"/></pattern></defs>`;

/** Horizontal bars, one per row, label left and figure right. */
export function barChart(title: string, bars: Bar[], options: { max?: number } = {}): string {
  const id = `chart-${++serial}`;
  const rowHeight = 26;
  const labelWidth = 190;
  const barWidth = 300;
  const width = labelWidth + barWidth + 130;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((b, i) => {
      const y = 4 + i * rowHeight;
      const w = max > 0 ? Math.max(b.value > 0 ? 1 : 0, Math.round((b.value / max) * barWidth)) : 0;
      const label = shortLabel(b.label);
      return (
        `<g><text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escape(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 8}" fill="${b.hatched ? `url(#${id}-hatch)` : 'currentColor'}" stroke="currentColor"/>` +
        `<text x="${labelWidth + w + 6}" y="${y + 17}">${escape(b.display)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="13" font-family="inherit">` +
    `<title id="${id}-title">${escape(title)}</title>${HATCH(`${id}-hatch`)}${rows}</svg>`
  );
}

/** Columns over time, figure above each column and its period below. */
export function columnChart(title: string, bars: Bar[]): string {
  const id = `chart-${++serial}`;
  const columnWidth = Math.max(14, Math.min(48, Math.floor(640 / Math.max(1, bars.length))));
  const plot = 160;
  const width = Math.max(200, bars.length * columnWidth + 20);
  const height = plot + 60;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const everyOther = bars.length > 16;
  const cols = bars
    .map((b, i) => {
      const x = 10 + i * columnWidth;
      const h = Math.round((b.value / max) * plot);
      const y = 20 + plot - h;
      const showLabel = !everyOther || i % 2 === 0;
      return (
        `<g><rect x="${x + 2}" y="${y}" width="${columnWidth - 4}" height="${h}" fill="currentColor"/>` +
        `<text x="${x + columnWidth / 2}" y="${y - 4}" text-anchor="middle" font-size="11">${escape(b.display)}</text>` +
        (showLabel
          ? `<text x="${x + columnWidth / 2}" y="${plot + 36}" text-anchor="middle" font-size="10">${escape(b.label)}</text>`
          : '') +
        '</g>'
      );
    })
    .join('');
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="inherit">` +
    `<title id="${id}-title">${escape(title)}</title>${cols}</svg>`
  );
}

/**
 * A bar's label in the room the chart has (28 characters), cut at a word: a word cut in half reads as another
 * word, or none, and Spanish and French labels run longer than English ones.
 */
function shortLabel(label: string): string {
  if (label.length <= 28) return label;
  const cut = label.slice(0, 27);
  const space = cut.lastIndexOf(' ');
  return `${(space > 10 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}
