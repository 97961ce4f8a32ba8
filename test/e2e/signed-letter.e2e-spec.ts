import { AppConfig, demoSigningCertificate, Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestCase } from '../support/cases';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { certificateOf, pdfsigReport, signatureParts, verifyWithOpenssl } from '../support/pdf-signature';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';

/**
 * The letter carries a real PKCS#7 signature over the whole PDF (issue #22), made with the configured key (here the
 * demo certificate the non-production default makes under DATA_DIR). OpenSSL, which did not sign it, verifies it
 * against that certificate; Poppler's pdfsig (where installed) reads it as a PDF reader would. One changed byte, or
 * another certificate, and verification fails.
 */
describe('the signed letter', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let pdf: Buffer;
  let caseId: string;
  let trusted: string;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    const c = await createTestCase(app, a, { state: 'delivered' });
    caseId = c.id;
    const [row] = await operatorQuery<{ pdf: Buffer }>(
      app,
      `SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.tenant_id = l.tenant_id AND o.id = l.opinion_id WHERE o.case_id = $1`,
      [c.id],
    );
    pdf = row.pdf;
    trusted = certificateOf(app.get(AppConfig).letterSigningKey.p12);
  });

  afterAll(() => app.close());

  it('verifies with OpenSSL against the signing certificate, over the whole document', () => {
    const verdict = verifyWithOpenssl(pdf, trusted);
    expect(verdict).toEqual({ valid: true, output: expect.stringContaining('Verification successful') });
    // The signed ranges cover every byte but the signature itself.
    const { signed, cms } = signatureParts(pdf);
    expect(signed.length + cms.length).toBeLessThanOrEqual(pdf.length);
    expect(pdf.length - signed.length).toBeLessThan(20000);
    const report = pdfsigReport(pdf);
    if (report !== null) {
      expect(report).toContain('Signature is Valid');
      expect(report).toContain('Total document signed');
      expect(report).toContain('adbe.pkcs7.detached');
    }
  });

  it('fails once a single byte of the letter changes', () => {
    const { signed } = signatureParts(pdf);
    const tampered = Buffer.from(pdf);
    const at = Math.floor(signed.length / 3);
    tampered[at] = tampered[at] ^ 0x01;
    const verdict = verifyWithOpenssl(tampered, trusted);
    expect(verdict.valid).toBe(false);
    expect(verdict.output).toMatch(/verification failure|digest failure/i);
    const report = pdfsigReport(tampered);
    if (report !== null) expect(report).not.toContain('Signature is Valid');
  });

  it('does not pass as signed by another certificate', () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'other-signer-'));
    try {
      expect(verifyWithOpenssl(pdf, certificateOf(demoSigningCertificate(elsewhere))).valid).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('tells the patient, in their language, that the letter is signed and how to check it; another hospital gets 404', async () => {
    for (const locale of ['en', 'es', 'fr']) {
      const patient = readerIn(app, a.host, locale);
      await signInPatient(patient, a.people.patient);
      const page = await patient.get(`/account/cases/${caseId}/opinion`);
      expectPageIn(page, locale, { status: 200, what: 'opinion page', translator, allow: [`Test Hospital ${a.slug}`, 'Doctor'] });
      expect(page.text).toContain(translator.t('opinions.portal.signedLetter', locale));
    }
    const other = readerIn(app, b.host, 'en');
    await signInPatient(other, b.people.patient);
    expect((await other.get(`/account/cases/${caseId}/opinion/letter.pdf`)).status).toBe(404);
  });
});
