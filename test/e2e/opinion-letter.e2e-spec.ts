import { CaseContributors } from '@consilium/cases';
import { Translator } from '@consilium/core';
import { RecordProcessor, RecordsService } from '@consilium/records';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { actAs, advanceTestCase, asStaff, createTestCase, TestCase } from '../support/cases';
import { fixture, pdf } from '../support/hostile-files';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { letterText } from '../support/pdf-text';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestPhysician, createTwoHospitals, testBlueprint, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * Issue #22's complete letter: signed under the roster physician's name, credentials, title, specialty and the license
 * valid on the signing day (never the staff account's name), listing the records reviewed and the contributors; and
 * the offering's intake answers shown to staff as the question's and the choice's words in the staff member's
 * language, never as codes. Another hospital gets 404.
 */
describe('a complete letter, and intake answers staff can read', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let dataDir: string;
  const suffix = () => a.slug.slice(2);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-letter-'));
    app = await createTestApp({ DATA_DIR: dataDir, FILES_MASTER_KEY: randomBytes(32).toString('base64') }, {}, { domains: true });
    translator = app.get(Translator);
    const hospital = { locales: LOCALES, default_locale: 'en' };
    ({ a, b } = await createTwoHospitals(app, { a: hospital }));
    // The same hospital, now with its offering's own questions, a second physician to contribute, an expired license.
    const base = testBlueprint(a.slug, hospital);
    const [doc] = base.physicians!;
    await applyTestBlueprint(app, {
      ...base,
      offerings: [
        {
          ...base.offerings![0],
          intake_questions: [
            {
              key: 'diagnosis_date',
              label: { en: 'When were you diagnosed?', es: '¿Cuándo recibió el diagnóstico?', fr: 'Quand le diagnostic a-t-il été posé ?' },
              type: 'date',
              required: true,
            },
            {
              key: 'treatment_started',
              label: { en: 'Have you started treatment?', es: '¿Ya empezó el tratamiento?', fr: 'Avez-vous commencé un traitement ?' },
              type: 'yes_no',
            },
            {
              key: 'question_focus',
              label: { en: 'What should we focus on?', es: '¿En qué debemos enfocarnos?', fr: 'Sur quoi devons-nous nous concentrer ?' },
              type: 'choice',
              options: [
                { value: 'diagnosis', label: { en: 'The diagnosis itself', es: 'El diagnóstico en sí', fr: 'Le diagnostic lui-même' } },
                { value: 'both', label: { en: 'Both', es: 'Ambos', fr: 'Les deux' } },
              ],
            },
          ],
        },
      ],
      physicians: [
        {
          ...doc,
          name: `Amara Okafor ${suffix()}`,
          credentials: 'MD, PhD',
          title: { en: 'Chief of Cardiology', es: 'Jefa de Cardiología', fr: 'Cheffe de cardiologie' },
          licenses: [
            { jurisdiction: 'US-NY', number: `NY-${suffix()}`, expires: '2099-12-31' },
            { jurisdiction: 'US-NJ', number: `NJ-OLD-${suffix()}`, expires: '2001-01-01' },
          ],
        },
        { ...doc, slug: `bea-${suffix()}`, name: `Bea Contributor ${suffix()}`, credentials: 'MD' },
      ],
    });
  });

  beforeAll(() => createTestPhysician(app, a, `bea-${suffix()}`));

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A case in review with the patient's answers, two records processed by the product, and a contributor asked. */
  async function reviewedCase(): Promise<TestCase> {
    const c = await createTestCase(app, a, {
      state: 'in_review',
      details: { answers: { diagnosis_date: '2026-03-04', treatment_started: 'no', question_focus: 'both' } },
    });
    const records = app.get(RecordsService);
    const ref = { tenantId: a.id, caseId: c.id };
    for (const [name, bytes] of [
      ['referral letter.pdf', pdf(4000)],
      ['chest CT.dcm', fixture('CT1_UNC.explicit_little_endian.dcm')],
    ] as const) {
      const row = await records.receive(ref, Readable.from([bytes]), name);
      if (row.status === 'uploaded') await app.get(RecordProcessor).process(a.id, row.id);
    }
    const [{ id: beaId }] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM physicians WHERE tenant_id = $1 AND slug = $2', [
      a.id,
      `bea-${suffix()}`,
    ]);
    await actAs(app, a, asStaff(a.people.coordinator, 'coordinator'), () => app.get(CaseContributors).add(c.id, beaId));
    return c;
  }

  async function storedLetter(caseId: string): Promise<string> {
    const [row] = await operatorQuery<{ pdf: Buffer }>(
      app,
      `SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.tenant_id = l.tenant_id AND o.id = l.opinion_id WHERE o.case_id = $1`,
      [caseId],
    );
    return letterText(row.pdf);
  }

  it('signs the letter and the page as the roster physician, with title, specialty, license, records and contributors', async () => {
    const c = await reviewedCase();
    await advanceTestCase(app, a, c, 'delivered');
    const letter = await storedLetter(c.id);
    expect(letter).toContain(`Amara Okafor ${suffix()}, MD, PhD`);
    expect(letter).toContain('Chief of Cardiology');
    expect(letter).toContain('Test Cardiology');
    expect(letter).toContain(translator.t('opinions.letter.license', 'en', { number: `NY-${suffix()}`, jurisdiction: 'New York' }));
    // The staff account's name is not who signs, and a license expired by the signing day is not named.
    expect(letter).not.toContain(`physician ${a.slug}`);
    expect(letter).not.toContain(`NJ-OLD-${suffix()}`);
    expect(letter).toContain(translator.t('opinions.letter.recordsReviewed', 'en'));
    expect(letter).toContain('referral letter.pdf (PDF)');
    expect(letter).toContain('chest CT.dcm (DICOM)');
    const [study] = await app.get(RecordsService).studies({ tenantId: a.id, caseId: c.id });
    expect(study).toBeDefined();
    const what = study.studyDescription || study.modalities.join(', ');
    const day = (d: string) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
    expect(letter).toContain(
      study.studyDate
        ? translator.t('opinions.letter.study', 'en', { date: day(study.studyDate), description: what })
        : translator.t('opinions.letter.studyUndated', 'en', { description: what }),
    );
    expect(letter).toContain(translator.t('opinions.letter.contributors', 'en'));
    expect(letter).toContain(`Bea Contributor ${suffix()}`);

    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const page = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Amara Okafor ${suffix()}, MD, PhD`);
    expect(page.text).toContain('Chief of Cardiology');
    expect(page.text).toContain(`NY-${suffix()}`);
    expect(page.text).toContain('referral letter.pdf');
    expect(page.text).toContain(`Bea Contributor ${suffix()}`);
    expect(page.text).not.toContain(`physician ${a.slug}`);
  });

  it('writes the letter’s attribution in the patient’s language', async () => {
    await operatorQuery(app, 'UPDATE accounts SET locale = $2 WHERE id = $1', [a.people.patient.id, 'es']);
    try {
      const c = await reviewedCase();
      await advanceTestCase(app, a, c, 'delivered');
      const letter = await storedLetter(c.id);
      expect(letter).toContain('Jefa de Cardiología');
      expect(letter).toContain(translator.t('opinions.letter.recordsReviewed', 'es'));
      expect(letter).toContain(translator.t('opinions.letter.contributors', 'es'));
      expect(letter).toContain(translator.t('opinions.letter.license', 'es', { number: `NY-${suffix()}`, jurisdiction: 'Nueva York' }));
    } finally {
      await operatorQuery(app, 'UPDATE accounts SET locale = $2 WHERE id = $1', [a.people.patient.id, 'en']);
    }
  });

  it.each(LOCALES)('in %s: staff read the intake answers as the questions’ and choices’ words, never codes', async (locale) => {
    const c = await reviewedCase();
    const q = {
      en: ['When were you diagnosed?', 'What should we focus on?', 'Both', 'March 4, 2026'],
      es: ['¿Cuándo recibió el diagnóstico?', '¿En qué debemos enfocarnos?', 'Ambos', '4 de marzo de 2026'],
      fr: ['Quand le diagnostic a-t-il été posé ?', 'Sur quoi devons-nous nous concentrer ?', 'Les deux', '4 mars 2026'],
    }[locale]!;
    const physician = readerIn(app, a.host, locale);
    await signInStaff(physician, a.people.physician);
    const coordinator = readerIn(app, a.host, locale);
    await signInStaff(coordinator, a.people.coordinator);
    for (const [who, url] of [
      [physician, `/console/reviews/${c.id}`],
      [coordinator, `/console/cases/${c.id}`],
    ] as const) {
      const page = await who.get(url);
      expect(page.status).toBe(200);
      for (const words of q) expect(page.text).toContain(words);
      expect(page.text).toContain(translator.t('cases.intakeAnswer.no', locale));
      for (const code of ['diagnosis_date', 'question_focus', 'treatment_started', '>both<']) expect(page.text).not.toContain(code);
    }
    // The physician's workspace has no word of another language (the hospital's words and the case's data allowed).
    expectPageIn(await physician.get(`/console/reviews/${c.id}`), locale, {
      status: 200,
      what: 'workspace with intake answers',
      translator,
      allow: [
        a.name,
        `patient ${a.slug}`,
        'Synthetic diagnosis for a test',
        ...q,
        'referral letter.pdf',
        'chest CT.dcm',
        `Bea Contributor ${suffix()}`,
      ],
    });
  });

  it('another hospital gets 404 for the case, its opinion and its letter', async () => {
    const c = await reviewedCase();
    await advanceTestCase(app, a, c, 'delivered');
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, b.people.patient);
    expect((await patientB.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
    expect((await patientB.get(`/account/cases/${c.id}/opinion/letter.pdf`)).status).toBe(404);
    const staffB = new WebClient(app, b.host);
    await signInStaff(staffB, b.people.coordinator);
    expect((await staffB.get(`/console/cases/${c.id}`)).status).toBe(404);
  });
});
