import { inflateSync } from 'node:zlib';

/** The text of a pdfkit PDF: its streams inflated, each TJ array's hex strings joined (one line per text run). */
export function letterText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  // Each stream by its dictionary's /Length: a compressed image or font may itself contain "stream\n", which a
  // pattern alone would take for the start of the next one (and lose a page of text).
  const streams = [...raw.matchAll(/\/Length (\d+)[^>]*>>\s*stream\r?\n/g)].map((m) => {
    const start = m.index + m[0].length;
    try {
      return inflateSync(Buffer.from(raw.slice(start, start + Number(m[1])), 'latin1')).toString('latin1');
    } catch {
      return '';
    }
  });
  return streams
    .flatMap((s) => [...s.matchAll(/\[([^\]]*)\] TJ/g)])
    .map((m) => [...m[1].matchAll(/<([0-9a-f]*)>/gi)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''))
    .join('\n');
}
