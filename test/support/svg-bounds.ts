/**
 * Texts of inline SVG charts that leave their viewBox: each `<text>` (or its `<tspan>` lines) measured at
 * `em` of its font size per character, placed by its anchor. An empty list means nothing is drawn outside, so
 * nothing is cut. `em` should be at least the chart's own estimate; the default is a wide sans-serif's.
 */
export function textsOutsideViewBox(html: string, em = 0.62): string[] {
  const out: string[] = [];
  for (const svg of html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? []) {
    const [, , , width, height] = /viewBox="([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)"/.exec(svg)!.map(Number);
    const svgSize = Number(/<svg\b[^>]*\bfont-size="([\d.]+)"/.exec(svg)?.[1] ?? 16);
    for (const text of svg.match(/<text\b[\s\S]*?<\/text>/g) ?? []) {
      const attrs = /<text\b([^>]*)>/.exec(text)![1];
      const size = Number(/font-size="([\d.]+)"/.exec(attrs)?.[1] ?? svgSize);
      const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? 'start';
      const lines = [...text.matchAll(/<tspan\b[^>]*x="([\d.-]+)"[^>]*y="([\d.-]+)"[^>]*>([^<]*)<\/tspan>/g)].map((m) => ({
        x: Number(m[1]),
        y: Number(m[2]),
        s: m[3],
      }));
      if (!lines.length) {
        const x = Number(/\bx="([\d.-]+)"/.exec(attrs)![1]);
        const y = Number(/\by="([\d.-]+)"/.exec(attrs)![1]);
        lines.push({ x, y, s: text.replace(/<[^>]*>/g, '') });
      }
      for (const line of lines) {
        const s = line.s.replace(/&(amp|lt|gt|quot|#39);/g, '_');
        const w = [...s].length * size * em;
        const left = anchor === 'end' ? line.x - w : anchor === 'middle' ? line.x - w / 2 : line.x;
        const right = left + w;
        if (left < 0 || right > width || line.y - size < 0 || line.y > height)
          out.push(`${s} [${Math.round(left)}..${Math.round(right)} of ${width}]`);
      }
    }
  }
  return out;
}
