import { Translator } from '@consilium/core';
import { Opinion, renderOpinionLetter } from '@consilium/opinions';
import path from 'node:path';
import { LaidOutPage, layoutOf, linesOf } from '../support/pdf-layout';

const ROOT = path.resolve(__dirname, '../..');
const translator = new Translator();
for (const lib of ['core', 'opinions', 'tenancy']) translator.register(lib, path.join(ROOT, 'libs', lib, 'src', 'views', 'i18n'));

const sentence = (n: number, what: string) =>
  Array.from({ length: n }, (_, i) => `${what} sentence ${i + 1} explains the reasoning in plain words for the patient.`).join(' ');

/** A long opinion: summary, long recommendations, and twelve questions, so the letter runs over several pages. */
const QUESTIONS = Array.from({ length: 12 }, (_, i) => `Question ${i + 1}: what should I do about point ${i + 1}?`);
const opinionWith = (summarySentences: number) =>
  ({
    tenantId: 't',
    id: 'o',
    caseId: 'c',
    version: 1,
    status: 'signed',
    diagnosisAgreement: 'refined',
    treatmentChanged: true,
    diagnosisNote: sentence(6, 'Diagnosis'),
    recommendations: sentence(14, 'Recommendation'),
    alternatives: sentence(5, 'Alternative'),
    clinicalTrials: '',
    answers: QUESTIONS.map((question, i) => ({ question, answer: sentence(2 + (i % 5), `Answer ${i + 1}`) })),
    patientSummary: sentence(summarySentences, 'Summary'),
    amendmentReason: null,
    authorId: 'a',
    signedBy: 'a',
    signedAt: new Date('2026-12-01T15:00:00Z'),
    createdAt: new Date(),
    updatedAt: new Date(),
  }) as unknown as Opinion;

async function letter(summarySentences = 4): Promise<LaidOutPage[]> {
  const pdf = await renderOpinionLetter(opinionWith(summarySentences), {
    letterhead: { hospitalName: 'Lakeshore Medical Center of the Great Lakes Region', primaryColor: '#0b4f6c', accentColor: '#f2a541' },
    caseNumber: 'LKS-2026-000123',
    patientName: 'Jordan Patient',
    attribution: {
      signature: 'Amara Okafor, MD, PhD',
      title: 'Chief of Oncology',
      specialty: 'Medical Oncology',
      license: { jurisdiction: 'Illinois', number: 'IL-036-123456' },
      contributors: ['Ben Ito, MD', 'Cleo Park, MD'],
      files: [{ name: 'biopsy report.pdf', kind: 'pdf' }],
      studies: [{ date: '2026-10-02', description: 'CT chest with contrast', modalities: 'CT' }],
    },
    // The educational route has the longest disclaimer: the footer takes more than one line.
    route: 'educational',
    jurisdiction: 'US-IL',
    locale: 'en',
    timeZone: 'America/Chicago',
    translator,
  });
  return layoutOf(pdf);
}

const BODY_SIZE = 11;
const HEADING_SIZE = 13;

/**
 * The letter's layout as a reader sees it, read back with pdf.js (not pdfkit, which wrote it): text positions per
 * page. The plain-language summary comes first and the questions in the order asked; no heading ends a page; no page
 * starts or ends with a lone line of a paragraph; the footer and the page number never overlap, and the body stays
 * above both.
 */
describe('the opinion letter’s layout', () => {
  let pages: LaidOutPage[];

  beforeAll(async () => {
    pages = await letter();
  });

  const pageNumber = (p: LaidOutPage) => p.items.find((i) => /^\d+ \/ \d+$/.test(i.text.trim()))!;
  /** Body lines (not letterhead rules or the footer): everything above the footer's top, top to bottom. */
  const body = (p: LaidOutPage) => {
    const top = footerTop(p);
    return linesOf(p).filter((l) => l.y > top + 2);
  };
  const footerTop = (p: LaidOutPage) => Math.max(...p.items.filter((i) => Math.abs(i.height - 8) < 0.6).map((i) => i.y + i.height));

  it('runs over several pages, every page numbered', () => {
    expect(pages.length).toBeGreaterThan(2);
    pages.forEach((p, i) => expect(pageNumber(p).text.trim()).toBe(`${i + 1} / ${pages.length}`));
  });

  it('puts the plain-language summary first and the questions in the order asked', () => {
    const text = pages
      .map((p) =>
        linesOf(p)
          .map((l) => l.text)
          .join('\n'),
      )
      .join('\n');
    const at = (s: string) => text.indexOf(s);
    expect(at(translator.t('opinions.opinion.plainWords', 'en'))).toBeGreaterThan(-1);
    expect(at(translator.t('opinions.opinion.plainWords', 'en'))).toBeLessThan(at(translator.t('opinions.opinion.diagnosis', 'en')));
    expect(at('Summary sentence 1')).toBeLessThan(at('Diagnosis sentence 1'));
    const positions = QUESTIONS.map((q) => at(q.slice(0, 20)));
    expect(positions.every((p) => p > -1)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(text).toContain(translator.t('opinions.letter.license', 'en', { number: 'IL-036-123456', jurisdiction: 'Illinois' }));
    expect(text).toContain('Ben Ito, MD');
  });

  it('keeps the footer clear of the page number, and the body clear of both', () => {
    for (const p of pages) {
      const number = pageNumber(p);
      const footer = p.items.filter((i) => i !== number && Math.abs(i.height - 8) < 0.6);
      expect(footer.length).toBeGreaterThan(0);
      for (const f of footer) {
        const sameRow = Math.abs(f.y - number.y) < f.height;
        if (sameRow) expect(f.x + f.width).toBeLessThan(number.x - 4);
      }
      // The whole disclaimer is there, not cut short with an ellipsis.
      expect(footer.map((f) => f.text).join(' ')).not.toContain('…');
      const lowestBody = Math.min(...body(p).map((l) => l.y));
      expect(lowestBody).toBeGreaterThan(footerTop(p) + 4);
    }
  });

  // Summaries of different lengths move every later break: each letter is checked.
  it('leaves no heading at the foot of a page and no lone line of a paragraph on either side of a break', async () => {
    const letters = [pages, ...(await Promise.all([1, 2, 3, 5, 6, 7, 9, 11].map((n) => letter(n))))];
    const lineStep = (BODY_SIZE * 1.2 + 2) * 1.05;
    /** A page's body lines as blocks: lines closer than a body line's step belong to one paragraph. */
    const blocks = (p: LaidOutPage) => {
      const out: { lines: number; heading: boolean; text: string }[] = [];
      let previous: number | null = null;
      for (const l of body(p)) {
        const heading = Math.abs(l.height - HEADING_SIZE) < 0.6;
        if (previous === null || previous - l.y > lineStep || heading || out[out.length - 1].heading)
          out.push({ lines: 1, heading, text: l.text });
        else {
          out[out.length - 1].lines += 1;
          out[out.length - 1].text += ` ${l.text}`;
        }
        previous = l.y;
      }
      return out;
    };
    // A one-line block is fine when it is a whole paragraph: here, a question as asked.
    const lone = (b: { lines: number; heading: boolean; text: string } | undefined) =>
      !!b && !b.heading && b.lines === 1 && !QUESTIONS.some((q) => b.text.includes(q));
    const found: string[] = [];
    for (const [n, pages] of letters.entries())
      for (let i = 0; i < pages.length - 1; i++) {
        const last = blocks(pages[i]).at(-1);
        const next = blocks(pages[i + 1])[0];
        if (last?.heading) found.push(`letter ${n}: page ${i + 1} ends with the heading "${last.text}"`);
        if (lone(last)) found.push(`letter ${n}: page ${i + 1} ends with a lone line: "${last!.text}"`);
        if (lone(next)) found.push(`letter ${n}: page ${i + 2} starts with a lone line: "${next.text}"`);
      }
    expect(found).toEqual([]);
  });
});
