import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { CasePayments, CasesModule } from '@consilium/cases';
import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * The coordinator's side of a request in every platform language: the queue, a case (made by a patient through the
 * intake), each of its refused forms, and the conversions import with a refused file. Another hospital's
 * coordinator gets the same 404 as for a case that does not exist.
 */
describe('every word in the coordinator’s language: the cases console', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let caseId: string;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, CasesModule, PaymentsModule],
        providers: [
          { provide: AccountMail, useClass: RecordingAccountMail },
          { provide: CasePayments, useExisting: PaymentsService },
        ],
      },
    );
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, {
      a: { locales: LOCALES, default_locale: 'en' },
      b: { locales: LOCALES, default_locale: 'en' },
    }));
    // A request as a patient makes it: the choice, the plan, a draft with its questions.
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
    await patient.get('/start/plan');
    caseId = /^\/start\/([0-9a-f-]{36})\/details$/.exec((await patient.post('/start/plan')).location ?? '')![1];
    await patient.submit(`/start/${caseId}/details`, { questions: 'Is surgery needed?', diagnosis: 'Stenosis' });
  });

  afterAll(() => app.close());

  function check(page: Page, locale: string, status: number, what: string): void {
    const data = [a.name, b.name, 'Consilium', `Doctor ${a.slug.slice(2)}`, 'Is surgery needed?', 'Stenosis', 'New York'];
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the queue, a case and its refused forms, the conversions import; another hospital answers 404', async () => {
      const coordinator = new WebClient(app, a.host);
      coordinator.cookies.set('lang', locale);
      await signInStaff(coordinator, a.people.coordinator);
      const page = `/console/cases/${caseId}`;
      check(await coordinator.get('/console/cases'), locale, 200, 'queue');
      check(await coordinator.get('/console/cases?state=draft'), locale, 200, 'queue of drafts');
      check(await coordinator.get('/console/cases?jurisdiction=illinois'), locale, 400, 'refused filter');
      check(await coordinator.get('/console'), locale, 200, 'console home with the counts');
      const admin = new WebClient(app, a.host);
      admin.cookies.set('lang', locale);
      await signInStaff(admin, a.people.admin);
      check(await admin.get('/console'), locale, 200, 'the admin’s console home: the month and the launch checklist');
      check(await coordinator.get('/console/cases?q=patient&state=all&sort=age&dir=desc'), locale, 200, 'queue searched and sorted');
      check(await coordinator.get('/console/cases?cursor=cut'), locale, 400, 'queue with a cut page link');
      check(await coordinator.post('/console/cases/bulk', { action: 'assign' }), locale, 400, 'refused bulk action');
      check(await coordinator.post('/console/cases/filters', { name: '' }), locale, 400, 'refused saved filter');
      const casePage = await coordinator.get(page);
      check(casePage, locale, 200, 'a case');
      // The history names what happened in words, not codes.
      expect(casePage.text).toContain(translator.t('cases.events.draft_started', locale));
      expect(casePage.text).not.toContain('<code>draft_started</code>');
      check(await coordinator.post(`${page}/route`, { route: 'educational', reason: '' }), locale, 400, 'refused route override');
      check(await coordinator.post(`${page}/messages`, { body: '' }), locale, 400, 'refused message');
      check(
        await coordinator.post(`${page}/conversions`, { kind: 'consult_booked', occurred_on: 'soon' }),
        locale,
        400,
        'refused conversion',
      );
      check(await coordinator.post(`${page}/move`, { move: 'nothing' }), locale, 400, 'refused move');
      check(await coordinator.get('/console/conversions/import'), locale, 200, 'import');
      const csv = ['case_number,kind,date', 'NOPE-1,surgery,someday'].join('\n');
      check(await coordinator.post('/console/conversions/import', { csv }), locale, 400, 'refused import');

      const other = new WebClient(app, b.host);
      other.cookies.set('lang', locale);
      await signInStaff(other, b.people.coordinator);
      check(await other.get(page), locale, 404, 'another hospital’s case');
      check(await other.post(`${page}/messages`, { body: 'hello' }), locale, 404, 'a message to another hospital’s case');
    });
  });
});
