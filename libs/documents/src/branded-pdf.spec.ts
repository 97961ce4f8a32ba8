import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BrandedPdf, Letterhead } from './branded-pdf';

const logo = readFileSync(path.resolve(__dirname, '../../../tenants/lakeshore/assets/logo.svg'));
const head: Letterhead = {
  hospitalName: 'Lakeshore Medical Center',
  address: '1200 Lakeshore Drive, Chicago, IL 60611',
  phone: '+1 312 555 0140',
  primaryColor: '#0b4f6c',
  accentColor: '#f2a541',
  logo: { contentType: 'image/svg+xml', bytes: logo },
  footer: 'Educational opinion: it does not replace care by your own physician.',
};

/** The text of an uncompressed pdfkit PDF: each TJ array's hex strings joined (kerning splits words into pieces). */
function textOf(pdf: string): string {
  return [...pdf.matchAll(/\[([^\]]*)\] TJ/g)]
    .map((m) => [...m[1].matchAll(/<([0-9a-f]*)>/gi)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''))
    .join('\n');
}

describe('branded PDF', () => {
  it('renders a letterhead, text, a signature and numbered footers on every page', async () => {
    const pdf = new BrandedPdf(head, {
      title: 'Second opinion',
      date: new Date('2026-11-27T15:00:00Z'),
      locale: 'en',
      timeZone: 'America/Chicago',
      compress: false,
    });
    pdf.heading('Summary');
    for (let i = 0; i < 60; i++) pdf.paragraph(`Paragraph ${i} of a long letter that runs over several pages to test page breaks.`);
    pdf.signature({ name: 'Dr. Ana Ruiz, MD', detail: ['Medical Oncology'], signedAt: new Date('2026-11-27T15:00:00Z') });
    const bytes = await pdf.toBuffer();
    const text = bytes.toString('latin1');
    expect(text.startsWith('%PDF-1.7')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const pages = (text.match(/\/Type \/Page\b/g) ?? []).length;
    expect(pages).toBeGreaterThan(1);
    expect(text).toMatch(/\/Title \d+ 0 R/);
    expect(text).toContain('(Second opinion)');
    const words = textOf(text);
    expect(words).toContain('Summary');
    expect(words).toContain('Dr. Ana Ruiz, MD');
    expect(words).toContain('November 27, 2026');
    // "n / N" on every page.
    for (let p = 1; p <= pages; p++) expect(words).toContain(`${p} / ${pages}`);
  });

  it.each([
    ['en', 'November 27, 2026'],
    ['es', '27 de noviembre de 2026'],
    ['fr', '27 novembre 2026'],
    ['fr-CA', '27 novembre 2026'],
  ])('dates the letter in its reader’s language (%s)', async (locale, date) => {
    const pdf = new BrandedPdf(head, { title: 'Letter', date: new Date('2026-11-27T15:00:00Z'), locale, timeZone: 'UTC', compress: false });
    pdf.heading('Summary');
    expect(textOf((await pdf.toBuffer()).toString('latin1'))).toContain(date);
  });

  it('falls back to the name when the logo cannot be drawn', async () => {
    const pdf = new BrandedPdf(
      { ...head, logo: { contentType: 'image/png', bytes: Buffer.from('not a png') } },
      { title: 'Receipt', date: new Date(), locale: 'es', timeZone: 'UTC', compress: false },
    );
    expect(textOf((await pdf.toBuffer()).toString('latin1'))).toContain('Lakeshore Medical Center');
  });
});
