// Reads a PDF with pdf.js (Mozilla's renderer, independent of pdfkit which wrote it) and prints, per page, every text
// run with its position in PDF points (origin bottom-left) as JSON. Run as a separate process: pdf.js is ES modules.
import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const data = new Uint8Array(readFileSync(process.argv[2]));
const doc = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const [, , width, height] = page.view;
  const content = await page.getTextContent();
  const items = content.items
    .filter((i) => 'str' in i && i.str.trim() !== '')
    .map((i) => ({ text: i.str, x: i.transform[4], y: i.transform[5], width: i.width, height: i.height || Math.abs(i.transform[3]) }));
  pages.push({ width, height, items });
}
process.stdout.write(JSON.stringify(pages));
