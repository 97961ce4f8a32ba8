import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

/** The signed bytes and the CMS signature of a PDF's (last) signature, as its /ByteRange and /Contents say. */
export function signatureParts(pdf: Buffer): { signed: Buffer; cms: Buffer } {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (!ranges.length) throw new Error('the PDF has no signature');
  const [a, b, c, d] = ranges[ranges.length - 1].slice(1).map(Number);
  const signed = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const hex = pdf.subarray(a + b + 1, c - 1).toString('latin1');
  const der = Buffer.from(hex, 'hex');
  // /Contents is padded with zeros: the DER's own length says where the signature ends.
  const length =
    der[1] & 0x80 ? 2 + (der[1] & 0x7f) + der.subarray(2, 2 + (der[1] & 0x7f)).reduce((n, byte) => n * 256 + byte, 0) : 2 + der[1];
  return { signed, cms: der.subarray(0, length) };
}

/** The certificate inside a PKCS#12, as PEM (what the verifier is told to trust). */
export function certificateOf(p12: Buffer, passphrase = ''): string {
  const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), passphrase);
  const bag = parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]![0];
  return forge.pki.certificateToPem(bag.cert!);
}

/**
 * Verifies a signed PDF with OpenSSL (`openssl cms -verify`), an implementation independent of the one that signed:
 * the CMS signature must match the signed bytes and chain to `trustedPem`. Returns OpenSSL's verdict and words.
 */
export function verifyWithOpenssl(pdf: Buffer, trustedPem: string): { valid: boolean; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pdfsig-'));
  try {
    const { signed, cms } = signatureParts(pdf);
    writeFileSync(path.join(dir, 'signed.bin'), signed);
    writeFileSync(path.join(dir, 'sig.der'), cms);
    writeFileSync(path.join(dir, 'trusted.pem'), trustedPem);
    const run = spawnSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'sig.der',
        '-content',
        'signed.bin',
        '-CAfile',
        'trusted.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    return { valid: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Poppler's `pdfsig` reading the PDF as a reader would (null where Poppler is not installed). */
export function pdfsigReport(pdf: Buffer): string | null {
  if (spawnSync('pdfsig', ['-v']).error) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'pdfsig-'));
  try {
    writeFileSync(path.join(dir, 'letter.pdf'), pdf);
    const run = spawnSync('pdfsig', ['letter.pdf'], { cwd: dir, encoding: 'utf8' });
    return `${run.stdout}${run.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const opensslVersion = (): string => execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
