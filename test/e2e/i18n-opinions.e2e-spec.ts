import { Case, CasePipeline, CasesModule } from '@consilium/cases';
import { TenantDatabase, Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { OpinionsModule } from '@consilium/opinions';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { letterText } from '../support/pdf-text';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/** What the physician writes: clinical text, data on every page (it stays in the language it was written in). */
const OPINION = {
  diagnosis_agreement: 'refined',
  treatment_changed: 'yes',
  diagnosis_note: 'Grade is 2, not 3.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  answer_0: 'Yes, after chemotherapy.',
  patient_summary: 'Your cancer is treatable; start with medicine, then surgery.',
};

/**
 * The opinion in every platform language: the patient's page and the letter follow the patient's language
 * (headings, labels, dates), the physician's queue and workspace and a refused signature follow the physician's,
 * with no word from another language's catalog or from none. Another hospital gets 404 for the case.
 */
describe('every word in the reader’s language: the opinion and the review workspace', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let data: string[];

  async function assignedCase(): Promise<Case> {
    const db = app.get(TenantDatabase);
    const pipeline = app.get(CasePipeline);
    return db.forTenant(a.id, async (tx) => {
      const c = await tx.save(
        Case,
        tx.create(Case, {
          tenantId: a.id,
          number: await pipeline.nextNumber(tx, a.id, 'TST'),
          state: 'draft',
          patientId: a.people.patient.id,
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
          questions: ['Do I need surgery?'],
          diagnosis: 'Breast cancer, grade 3',
        }),
      );
      const system = { actor: { id: a.people.coordinator.id, kind: 'staff' as const, roles: ['coordinator'] } };
      await pipeline.move(tx, c.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: a.people.patient.id, kind: 'patient', roles: [] },
      });
      await pipeline.move(tx, c.id, 'start_triage', 'system');
      await pipeline.move(tx, c.id, 'accept', 'coordinator', system);
      await tx.update(
        Case,
        { tenantId: a.id, id: c.id },
        { assignedPhysicianId: a.people.physician.id, dueAt: new Date(Date.now() + 5 * 86400000) },
      );
      await pipeline.move(tx, c.id, 'assign', 'coordinator', system);
      return c;
    });
  }

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, CasesModule, OpinionsModule],
        providers: [{ provide: AccountMail, useClass: RecordingAccountMail }],
      },
    );
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
    // People's names, the hospital's name and what the patient and physician wrote are data on these pages.
    data = [
      a.name,
      `physician ${a.slug}`,
      // The roster's name the opinion is signed under.
      `Doctor ${a.slug.slice(2)}`,
      `patient ${a.slug}`,
      'Consilium',
      'Do I need surgery?',
      'Breast cancer, grade 3',
      ...Object.values(OPINION),
    ];
  });

  afterAll(() => app.close());

  const reader = (locale: string): WebClient => readerIn(app, a.host, locale);

  function check(page: Page, locale: string, status: number, what: string): void {
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  it.each(LOCALES)(
    'in %s: the workspace, a refused signature, the opinion page and the letter in the patient’s language',
    async (locale) => {
      await operatorQuery(app, 'UPDATE accounts SET locale = $2 WHERE id = $1', [a.people.patient.id, locale]);
      const c = await assignedCase();
      // The workspace borrows cases' words (accepting, declining an assignment): until cases has French, the
      // physician works in English there, while the patient still reads the opinion and the letter in French.
      const physicianLocale = translator.has('cases.assignment.accept', locale) ? locale : 'en';
      const physician = reader(physicianLocale);
      await signInStaff(physician, a.people.physician);
      check(await physician.get('/console/reviews'), physicianLocale, 200, 'my reviews');
      check(await physician.get(`/console/reviews/${c.id}`), physicianLocale, 200, 'assigned case');
      await physician.post(`/console/reviews/${c.id}/begin`);
      check(await physician.get(`/console/reviews/${c.id}`), physicianLocale, 200, 'workspace');
      const refused = await physician.post(`/console/reviews/${c.id}/sign`, { recommendations: 'Chemo first.', code: '123456' });
      check(refused, physicianLocale, 400, 'refused signature');
      expect(refused.text).toContain(translator.t('opinions.editor.complete', physicianLocale));
      expect(refused.text).toContain('Chemo first.');
      const signed = await physician.post(`/console/reviews/${c.id}/sign`, {
        ...OPINION,
        code: await freshCode(a.people.physician.email, undefined, app),
      });
      expect(signed.location).toBe(`/console/reviews/${c.id}?signed=1`);
      check(await physician.get(`/console/reviews/${c.id}`), physicianLocale, 200, 'signed workspace');

      const patient = reader(locale);
      await signInPatient(patient, a.people.patient);
      const page = await patient.get(`/account/cases/${c.id}/opinion`);
      check(page, locale, 200, 'opinion page');
      expect(page.text).toContain(`<title>${translator.t('opinions.portal.title', locale, { number: c.number })}`);
      expect(page.text).toContain(translator.t('opinions.opinion.agreement.refined', locale));

      const pdf = await patient.get(`/account/cases/${c.id}/opinion/letter.pdf`);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const [stored] = await operatorQuery<{ pdf: Buffer }>(
        app,
        `SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.tenant_id = l.tenant_id AND o.id = l.opinion_id WHERE o.case_id = $1`,
        [c.id],
      );
      const letter = letterText(stored.pdf);
      for (const key of [
        'opinions.opinion.plainWords',
        'opinions.opinion.recommendations',
        'opinions.letter.patient',
        'opinions.letter.refined',
        'opinions.letter.recordsReviewed',
      ])
        expect(letter).toContain(translator.t(key, locale));
      const [{ signed_at: signedAt }] = await operatorQuery<{ signed_at: Date }>(
        app,
        `SELECT signed_at FROM opinions WHERE case_id = $1 AND status = 'signed'`,
        [c.id],
      );
      const day = new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : locale === 'es' ? 'es-US' : 'fr-FR', {
        dateStyle: 'long',
        // The test blueprint's time zone.
        timeZone: 'America/New_York',
      }).format(signedAt);
      expect(letter).toContain(day);
    },
  );

  it('another hospital’s patient and physician get 404 for the case and its opinion', async () => {
    const c = await assignedCase();
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, b.people.patient);
    expect((await patientB.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
    expect((await patientB.get(`/account/cases/${c.id}/opinion/letter.pdf`)).status).toBe(404);
    const physicianB = new WebClient(app, b.host);
    await signInStaff(physicianB, b.people.physician);
    expect((await physicianB.get(`/console/reviews/${c.id}`)).status).toBe(404);
  });
});
