/**
 * Charts as server-rendered SVG, inline in the page: no script, and readable without colour. Every bar carries its
 * figure as text; series told apart by a pattern (solid / hatched) are also named in words beside each bar.
 *
 * Labels are never cut: a long one wraps onto more lines, and the drawing grows to hold the longest label and
 * figure. Text width is estimated from its length (TEXT_EM of the font size per character, a generous figure
 * for the sans-serif faces the sites use), so the viewBox has room for every text the chart draws.
 */
export interface Bar {
  label: string;
  value: number;
  /** The figure as shown (e.g. "41.7%"). */
  display: string;
  hatched?: boolean;
  /** A period still running (this month to date): drawn hatched and outlined, its label says so. */
  partial?: boolean;
}

/** Width of one character, in ems: generous, so an estimate never falls short of the drawn text. */
export const TEXT_EM = 0.62;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
let serial = 0;

/** How wide a text is drawn at `size` px, by the estimate the layout and its test share. */
export const textWidth = (text: string, size: number) => Math.ceil([...text].length * size * TEXT_EM);

const HATCH = (id: string) =>
  `<defs><pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="3"/></pattern></defs>`;

/** A label broken at spaces into lines of at most `max` characters (a single longer word keeps its own line). */
export function wrap(label: string, max = 26): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(/\s+/).filter(Boolean)) {
    if (line && `${line} ${word}`.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines.length ? lines : [''];
}

/** Horizontal bars, one per row, label left (wrapped, never cut) and figure right. */
export function barChart(title: string, bars: Bar[], options: { max?: number } = {}): string {
  const id = `chart-${++serial}`;
  const size = 13;
  const lineHeight = 16;
  const barWidth = 300;
  const wrapped = bars.map((b) => wrap(b.label));
  const labelWidth = Math.max(60, ...wrapped.flat().map((l) => textWidth(l, size))) + 12;
  const figureWidth = Math.max(40, ...bars.map((b) => textWidth(b.display, size))) + 12;
  const width = labelWidth + barWidth + figureWidth;
  const max = options.max ?? Math.max(1, ...bars.map((b) => b.value));
  let y = 4;
  const rows = bars
    .map((b, i) => {
      const lines = wrapped[i];
      const rowHeight = Math.max(26, lines.length * lineHeight + 10);
      const top = y;
      y += rowHeight;
      const w = max > 0 ? Math.max(b.value > 0 ? 1 : 0, Math.round((Math.min(b.value, max) / max) * barWidth)) : 0;
      const firstBaseline = top + (rowHeight - lines.length * lineHeight) / 2 + 12;
      const label = lines.map((l, k) => `<tspan x="${labelWidth - 8}" y="${firstBaseline + k * lineHeight}">${escape(l)}</tspan>`).join('');
      return (
        `<g><text x="${labelWidth - 8}" y="${firstBaseline}" text-anchor="end">${label}</text>` +
        `<rect x="${labelWidth}" y="${top + rowHeight / 2 - 9}" width="${w}" height="18" fill="${b.hatched ? `url(#${id}-hatch)` : 'currentColor'}" stroke="currentColor"/>` +
        `<text x="${labelWidth + w + 6}" y="${top + rowHeight / 2 + 5}">${escape(b.display)}</text></g>`
      );
    })
    .join('');
  const height = Math.max(1, y + 4);
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-size="${size}" font-family="inherit">` +
    `<title id="${id}-title">${escape(title)}</title>${HATCH(`${id}-hatch`)}${rows}</svg>`
  );
}

/**
 * Columns over time, figure above each column and its period below. A period still running is hatched and its
 * label marked, so a month to date does not read as a collapse.
 */
export function columnChart(title: string, bars: Bar[], options: { partialNote?: string } = {}): string {
  const id = `chart-${++serial}`;
  const labelSize = 10;
  const figureSize = 11;
  const everyOther = bars.length > 16;
  const labels = bars.map((b) => (b.partial && options.partialNote ? [b.label, options.partialNote] : [b.label]));
  const widest = Math.max(14, ...labels.flat().map((l) => textWidth(l, labelSize)), ...bars.map((b) => textWidth(b.display, figureSize)));
  // A column is as wide as its widest text, unless only every other label is shown.
  const columnWidth = Math.max(14, Math.min(64, everyOther ? Math.ceil(widest / 2) + 4 : widest + 4));
  const margin = Math.ceil(widest / 2) + 4;
  const plot = 160;
  const width = Math.max(200, bars.length * columnWidth + 2 * margin);
  const height = plot + 72;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const cols = bars
    .map((b, i) => {
      const x = margin + i * columnWidth;
      const h = Math.round((b.value / max) * plot);
      const y = 20 + plot - h;
      const showLabel = !everyOther || i % 2 === 0 || b.partial;
      const fill = b.partial ? `url(#${id}-hatch)` : 'currentColor';
      return (
        `<g${b.partial ? ' data-partial="true"' : ''}><rect x="${x + 2}" y="${y}" width="${columnWidth - 4}" height="${h}" fill="${fill}" stroke="currentColor"${b.partial ? ' stroke-dasharray="4 2"' : ''}/>` +
        `<text x="${x + columnWidth / 2}" y="${y - 4}" text-anchor="middle" font-size="${figureSize}">${escape(b.display)}</text>` +
        (showLabel
          ? labels[i]
              .map(
                (l, k) =>
                  `<text x="${x + columnWidth / 2}" y="${plot + 36 + k * 12}" text-anchor="middle" font-size="${labelSize}">${escape(l)}</text>`,
              )
              .join('')
          : '') +
        '</g>'
      );
    })
    .join('');
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="inherit">` +
    `<title id="${id}-title">${escape(title)}</title>${HATCH(`${id}-hatch`)}${cols}</svg>`
  );
}
