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
    this.letterhead();
  }

  heading(text: string): this {
    this.doc.moveDown(0.6).font('Helvetica-Bold').fontSize(13).fillColor(this.head.primaryColor).text(text, { width: CONTENT_WIDTH });
    this.doc.moveDown(0.2).fillColor('#1a1a1a').font('Helvetica').fontSize(11);
    return this;
  }

  paragraph(text: string, options: { italic?: boolean; size?: number } = {}): this {
    this.doc
      .font(options.italic ? 'Helvetica-Oblique' : 'Helvetica')
      .fontSize(options.size ?? 11)
      .fillColor('#1a1a1a');
    this.doc.text(text, { width: CONTENT_WIDTH, lineGap: 2 }).moveDown(0.5);
    return this;
  }

  bullets(items: string[]): this {
    this.doc.font('Helvetica').fontSize(11).fillColor('#1a1a1a');
    for (const item of items) this.doc.text(`•  ${item}`, { width: CONTENT_WIDTH, indent: 0, lineGap: 2 });
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
      const bottom = this.doc.page.height - MARGIN + 8;
      // Writing below the bottom margin would add a page; lift the margin while the footer is drawn.
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      this.doc.font('Helvetica').fontSize(8).fillColor('#555c63');
      if (this.head.footer) this.doc.text(this.head.footer, MARGIN, bottom - 14, { width: CONTENT_WIDTH - 60, height: 24, ellipsis: true });
      this.doc.text(`${i - range.start + 1} / ${range.count}`, PAGE_WIDTH - MARGIN - 50, bottom - 14, { width: 50, align: 'right' });
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
