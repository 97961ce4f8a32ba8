import { intlLocale } from '@consilium/core';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';

/** What a document needs of the hospital to look like its own paper. No external fonts: the PDF stays self-contained. */
export interface Letterhead {
  hospitalName: string;
  address?: string;
  phone?: string;
  email?: string;
  primaryColor: string;
  accentColor: string;
  /** The brand logo: SVG text or PNG/JPEG bytes. */
  logo?: { contentType: string; bytes: Buffer };
  /** Shown at the foot of every page (legal line, disclaimer of the route). */
  footer?: string;
}

export interface DocumentMeta {
  title: string;
  /** PDF metadata subject: never clinical content (it is visible in file browsers). */
  subject?: string;
  /** The date shown under the letterhead. */
  date: Date;
  /** Tests turn stream compression off to read the page content. */
  compress?: boolean;
  locale: string;
  timeZone: string;
}

const MARGIN = 56;
const PAGE_WIDTH = 612;
const CONTENT_WIDTH = PAGE_WIDTH - MARGIN * 2;
/** The footer's text and its page number sit in two columns this far apart, and the body stops this far above them. */
const FOOTER_GAP = 12;
const PAGE_NUMBER_WIDTH = 50;
const FOOTER_SIZE = 8;
/** Where the footer's last line ends, from the bottom of the page. */
const FOOTER_BOTTOM = 30;

/**
 * A branded PDF (US Letter): letterhead with logo and colours, headings, paragraphs, labelled fields, a signature
 * block, and a footer with page numbers on every page. Built on pdfkit with its standard fonts (Latin-1, which
 * covers English and Spanish). `toBuffer()` ends the document.
 */
export class BrandedPdf {
  private readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(
    private readonly head: Letterhead,
    private readonly meta: DocumentMeta,
  ) {
    this.doc = new PDFDocument({
      size: 'LETTER',
      margins: { top: MARGIN, bottom: MARGIN + 24, left: MARGIN, right: MARGIN },
      bufferPages: true,
      info: { Title: meta.title, Subject: meta.subject ?? '', Author: head.hospitalName, Creator: 'Consilium', Producer: 'Consilium' },
      lang: meta.locale,
      displayTitle: true,
      pdfVersion: '1.7',
      compress: meta.compress ?? true,
    });
    this.done = new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => this.chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
    this.footerHeight = this.measureFooter();
    // The body stops above the whole footer, however many lines the route's disclaimer takes: it is never cut short.
    const bottom = FOOTER_BOTTOM + this.footerHeight + FOOTER_GAP;
    this.doc.page.margins.bottom = bottom;
    this.doc.options.margins = { top: MARGIN, bottom, left: MARGIN, right: MARGIN };
    this.letterhead();
  }

  private readonly footerHeight: number;

  heading(text: string): this {
    // Kept with what follows: a heading never ends a page; it moves on with at least two lines of its section.
    this.doc.font('Helvetica-Bold').fontSize(13);
    const needed = this.doc.currentLineHeight(true) * 1.8 + (this.doc.currentLineHeight(true) + 2) * 2 + 14 * 2;
    if (this.spaceLeft() < needed) this.doc.addPage();
    this.doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).fillColor(this.head.primaryColor).text(text, { width: CONTENT_WIDTH });
    this.doc.moveDown(0.2).fillColor('#1a1a1a').font('Helvetica').fontSize(11);
    return this;
  }

  paragraph(text: string, options: { italic?: boolean; size?: number } = {}): this {
    this.doc
      .font(options.italic ? 'Helvetica-Oblique' : 'Helvetica')
      .fontSize(options.size ?? 11)
      .fillColor('#1a1a1a');
    this.flow(text, {});
    this.doc.moveDown(0.5);
    return this;
  }

  /**
   * Writes a block of text without orphans or widows: a block of up to three lines that does not fit moves to the
   * next page whole; a longer one leaves at least two lines on each side of the break.
   */
  private flow(text: string, options: { indent?: number }): void {
    const lineGap = 2;
    const line = this.doc.currentLineHeight(true) + lineGap;
    const lines = Math.round(this.doc.heightOfString(text, { width: CONTENT_WIDTH, lineGap, ...options }) / line);
    // pdfkit starts a line while the line itself (not its gap) still fits above the bottom margin.
    const fit = Math.floor((this.spaceLeft() + lineGap) / line);
    if (lines > fit) {
      if (lines <= 3 || fit < 2) this.doc.addPage();
      else if (lines - fit < 2) {
        // One line would be left alone on the next page: break one line earlier, on this page only.
        const page = this.doc.page;
        page.margins.bottom += line;
        this.doc.text(text, { width: CONTENT_WIDTH, lineGap, ...options });
        page.margins.bottom -= line;
        return;
      }
    }
    this.doc.text(text, { width: CONTENT_WIDTH, lineGap, ...options });
  }

  private spaceLeft(): number {
    return this.doc.page.maxY() - this.doc.y;
  }

  private measureFooter(): number {
    if (!this.head.footer) return this.doc.font('Helvetica').fontSize(FOOTER_SIZE).currentLineHeight(true);
    return this.doc
      .font('Helvetica')
      .fontSize(FOOTER_SIZE)
      .heightOfString(this.head.footer, { width: CONTENT_WIDTH - PAGE_NUMBER_WIDTH - FOOTER_GAP });
  }

  bullets(items: string[]): this {
    this.doc.font('Helvetica').fontSize(11).fillColor('#1a1a1a');
    for (const item of items) this.flow(`•  ${item}`, { indent: 0 });
    this.doc.moveDown(0.5);
    return this;
  }

  /** A label and its value on one line (a form field). */
  field(label: string, value: string): this {
    this.doc.font('Helvetica-Bold').fontSize(10).fillColor('#555c63').text(`${label}`, { width: CONTENT_WIDTH, continued: false });
    this.doc
      .font('Helvetica')
      .fontSize(11)
      .fillColor('#1a1a1a')
      .text(value || ' ', { width: CONTENT_WIDTH })
      .moveDown(0.4);
    return this;
  }

  /** Who signed (or a line to sign on), with credentials and the moment of signature. */
  /** `signedText`: the line under a signature in the reader's language; without it, English "Signed electronically <date>". */
  signature(lines: { name?: string; detail?: string[]; signedAt?: Date; signedText?: string; blankLineLabel?: string }): this {
    this.doc.moveDown(1);
    if (lines.blankLineLabel) {
      const y = this.doc.y + 24;
      this.doc
        .moveTo(MARGIN, y)
        .lineTo(MARGIN + 260, y)
        .strokeColor('#1a1a1a')
        .lineWidth(0.8)
        .stroke();
      this.doc.y = y + 4;
      this.doc.font('Helvetica').fontSize(9).fillColor('#555c63').text(lines.blankLineLabel, MARGIN, this.doc.y);
      this.doc.moveDown(0.8);
    }
    if (lines.name) this.doc.font('Helvetica-Bold').fontSize(11).fillColor('#1a1a1a').text(lines.name);
    for (const d of lines.detail ?? []) this.doc.font('Helvetica').fontSize(10).fillColor('#333333').text(d);
    if (lines.signedAt)
      this.doc
        .font('Helvetica-Oblique')
        .fontSize(9)
        .fillColor('#555c63')
        .text(lines.signedText ?? `Signed electronically ${this.formatDate(lines.signedAt, true)}`);
    this.doc.moveDown(0.5).fillColor('#1a1a1a');
    return this;
  }

  async toBuffer(): Promise<Buffer> {
    this.footers();
    this.doc.end();
    return this.done;
  }

  private letterhead(): void {
    const { doc, head } = this;
    doc.rect(0, 0, PAGE_WIDTH, 8).fill(head.primaryColor);
    let logoDrawn = false;
    if (head.logo) {
      try {
        if (head.logo.contentType === 'image/svg+xml')
          SVGtoPDF(doc, head.logo.bytes.toString('utf8'), MARGIN, 28, { width: 200, height: 44, preserveAspectRatio: 'xMinYMid meet' });
        else doc.image(head.logo.bytes, MARGIN, 28, { fit: [200, 44] });
        logoDrawn = true;
      } catch {
        logoDrawn = false; // A logo pdfkit cannot draw falls back to the name in text.
      }
    }
    if (!logoDrawn) doc.font('Helvetica-Bold').fontSize(18).fillColor(head.primaryColor).text(head.hospitalName, MARGIN, 36);
    const contact = [head.address, [head.phone, head.email].filter(Boolean).join(' · ')].filter(Boolean) as string[];
    doc.font('Helvetica').fontSize(8.5).fillColor('#555c63');
    contact.forEach((line, i) => doc.text(line, MARGIN + 260, 32 + i * 12, { width: CONTENT_WIDTH - 260, align: 'right' }));
    doc
      .moveTo(MARGIN, 84)
      .lineTo(PAGE_WIDTH - MARGIN, 84)
      .strokeColor(head.accentColor)
      .lineWidth(2)
      .stroke();
    doc.font('Helvetica-Bold').fontSize(17).fillColor('#1a1a1a').text(this.meta.title, MARGIN, 100, { width: CONTENT_WIDTH });
    doc.font('Helvetica').fontSize(10).fillColor('#555c63').text(this.formatDate(this.meta.date, false), { width: CONTENT_WIDTH });
    doc.moveDown(0.8).fillColor('#1a1a1a').fontSize(11);
  }

  private footers(): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const top = this.doc.page.height - FOOTER_BOTTOM - this.footerHeight;
      // Writing below the bottom margin would add a page; lift the margin while the footer is drawn.
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      this.doc.font('Helvetica').fontSize(FOOTER_SIZE).fillColor('#555c63');
      // The whole footer in its column, the page number alone in its own: they never touch.
      if (this.head.footer) this.doc.text(this.head.footer, MARGIN, top, { width: CONTENT_WIDTH - PAGE_NUMBER_WIDTH - FOOTER_GAP });
      this.doc.text(`${i - range.start + 1} / ${range.count}`, PAGE_WIDTH - MARGIN - PAGE_NUMBER_WIDTH, top, {
        width: PAGE_NUMBER_WIDTH,
        align: 'right',
      });
      this.doc.page.margins.bottom = margin;
    }
  }

  /** A date (and time) as this document's language and region write it, in its time zone. */
  formatDate(date: Date, withTime: boolean): string {
    return new Intl.DateTimeFormat(intlLocale(this.meta.locale), {
      dateStyle: 'long',
      ...(withTime ? { timeStyle: 'short' } : {}),
      timeZone: this.meta.timeZone,
    }).format(date);
  }
}
