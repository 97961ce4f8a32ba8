import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** The common name of the embedded default's letter certificate: a verifier shows it, and says it is not trusted. */
export const DEMO_SIGNER_NAME = 'Consilium demo letter signing (not trusted)';

/**
 * The embedded default's letter-signing key: a self-signed certificate made once and kept under DATA_DIR, so letters
 * carry a real signature a verifier can check (against this certificate) without any setup. Never used in production:
 * AppConfig.letterSigningKey asks for LETTER_SIGNING_P12 there.
 */
export function demoSigningCertificate(dataDir: string): Buffer {
  const file = path.join(dataDir, 'letter-signing.p12');
  if (existsSync(file)) return readFileSync(file);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: DEMO_SIGNER_NAME },
    { name: 'organizationName', value: 'Consilium demo' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyCertSign: true },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], '', { algorithm: '3des' });
  const bytes = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  mkdirSync(dataDir, { recursive: true });
  // Written aside and renamed: processes sharing DATA_DIR (test workers) never read half a file; the last one wins.
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, bytes, { mode: 0o600 });
  renameSync(aside, file);
  return readFileSync(file);
}
