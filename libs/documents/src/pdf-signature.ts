import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';

export interface PdfSigningKey {
  /** A PKCS#12 file: the private key and its certificate (chain). */
  p12: Buffer;
  passphrase: string;
}

/** What a PDF reader shows beside the signature: words in the document's language, names as data. */
export interface PdfSignatureLabels {
  reason: string;
  name: string;
  location: string;
  contactInfo: string;
}

/**
 * Signs a finished PDF: a PKCS#7 (CMS, detached SHA-256) signature over every byte but the signature itself, in an
 * incremental update, so any later change to the file breaks it. Readers (Acrobat, Poppler's pdfsig, `openssl cms`)
 * verify it with the certificate inside.
 */
export async function signPdf(pdf: Buffer, key: PdfSigningKey, labels: PdfSignatureLabels, signingTime = new Date()): Promise<Buffer> {
  const prepared = plainAddPlaceholder({ pdfBuffer: pdf, ...labels, signingTime, signatureLength: 8192, appName: 'Consilium' });
  const signer = new P12Signer(key.p12, { passphrase: key.passphrase });
  return new SignPdf().sign(prepared, signer, signingTime);
}
