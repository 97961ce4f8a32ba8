import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TextRun {
  text: string;
  x: number;
  /** The baseline, in points from the bottom of the page. */
  y: number;
  width: number;
  height: number;
}

export interface LaidOutPage {
  width: number;
  height: number;
  items: TextRun[];
}

/** Every text run of every page as pdf.js lays it out (test/support/pdf-layout-reader.mjs, in its own Node process). */
export function layoutOf(pdf: Buffer): LaidOutPage[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'pdf-layout-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    const out = execFileSync(process.execPath, [path.join(__dirname, 'pdf-layout-reader.mjs'), file], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return JSON.parse(out) as LaidOutPage[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines of a page, top to bottom: runs grouped by baseline (within half a point). */
export function linesOf(page: LaidOutPage): { y: number; x: number; right: number; text: string; height: number }[] {
  const sorted = [...page.items].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: { y: number; x: number; right: number; text: string; height: number }[] = [];
  for (const run of sorted) {
    const line = lines.find((l) => Math.abs(l.y - run.y) < 0.5);
    if (line) {
      line.text += run.text;
      line.x = Math.min(line.x, run.x);
      line.right = Math.max(line.right, run.x + run.width);
      line.height = Math.max(line.height, run.height);
    } else lines.push({ y: run.y, x: run.x, right: run.x + run.width, text: run.text, height: run.height });
  }
  return lines;
}
