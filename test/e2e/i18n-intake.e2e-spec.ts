import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { CasePayments } from '@consilium/cases';
import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule, placeOptions } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import supertest from 'supertest';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { operatorQuery } from '../support/payments';
import { letterText } from '../support/pdf-text';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, createTwoHospitals, TestHospital, TestTenant } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * The patient's side in every platform language: the whole intake (before and after signing in, each step and
 * each refused step, a place where the hospital gives no opinion, the local physician's step), the consents, and
 * "Your requests" with a request's page and its refused forms. No word may come from another language's catalog
 * or from none; another hospital's patient gets the same 404 as a request that does not exist.
 */
describe('every word in the patient’s language: intake and “Your requests”', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let f: TestHospital;
  let programs: { employer: string; charity: string };

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, PaymentsModule],
        providers: [
          { provide: AccountMail, useClass: RecordingAccountMail },
          { provide: CasePayments, useExisting: PaymentsService },
        ],
      },
    );
    translator = app.get(Translator);
    // Patients outside New York are served through their own physician; abroad, not at all.
    ({ a, b } = await createTwoHospitals(app, {
      a: {
        locales: LOCALES,
        default_locale: 'en',
        licensure: { home_state: 'US-NY', unlicensed_states: 'physician_to_physician', international: 'decline' },
      },
      b: { locales: LOCALES, default_locale: 'en' },
    }));
    // A hospital whose programs need a sponsor's code, or the patient's word confirmed by a coordinator.
    f = await createTestHospital(app, {
      locales: LOCALES,
      default_locale: 'en',
      funding_programs: [
        { slug: 'employer', name: 'Employer benefit', description: 'Half price.', covers_percent: 50, budget: '100000.00', access: 'code' },
        {
          slug: 'charity',
          name: 'Charity care',
          description: 'Pays it all.',
          covers_percent: 100,
          budget: '100000.00',
          access: 'eligibility',
          eligibility: 'Low income.',
          review: true,
        },
      ],
    } as never);
    const ids = await operatorQuery<{ slug: string; id: string }>(app, 'SELECT slug, id FROM funding_programs WHERE tenant_id = $1', [
      f.id,
    ]);
    programs = { employer: ids.find((r) => r.slug === 'employer')!.id, charity: ids.find((r) => r.slug === 'charity')!.id };
  });

  afterAll(() => app.close());

  /** The hospital's own content (its blueprint's text, the same in every language here), names, and places. */
  function data(tenant: TestTenant, locale: string): string[] {
    const places = placeOptions(locale);
    return [
      tenant.name,
      'Test Cardiology',
      'Test heart review',
      'A review used by tests.',
      'Imaging re-read',
      `Doctor ${tenant.slug.slice(2)}`,
      'Consilium',
      // What the patient wrote, shown back to them as they wrote it.
      'Is surgery needed?',
      'Stenosis',
      'Employer benefit',
      'Half price.',
      'Charity care',
      'Pays it all.',
      'Low income.',
      ...places.states.map((p) => p.name),
      ...places.countries.map((p) => p.name),
    ];
  }

  const reader = (tenant: TestTenant, locale: string): WebClient => readerIn(app, tenant.host, locale);

  function check(page: Page, locale: string, status: number, what: string, tenant = a): void {
    expectPageIn(page, locale, { status, what, translator, allow: data(tenant, locale) });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the intake before an account: the choice, its refusal, the plan, and a place with no opinion', async () => {
      const visitor = reader(a, locale);
      check(await visitor.get('/start'), locale, 200, '/start');
      check(await visitor.submit('/start', { offering: '', jurisdiction: '' }), locale, 400, 'refused choice');
      check(await visitor.submit('/start', { offering: a.offeringSlug, jurisdiction: 'other', country: '' }), locale, 400, 'no country');
      expect(await visitor.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' })).toMatchObject({ status: 303 });
      check(await visitor.get('/start/plan'), locale, 200, 'plan, direct');
      expect(await visitor.submit('/start', { offering: a.offeringSlug, jurisdiction: 'other', country: 'MX' })).toMatchObject({
        status: 303,
      });
      check(await visitor.get('/start/plan'), locale, 200, 'plan, declined');
    });

    it('every step of a draft and each refused step, through the local physician, to the review', async () => {
      const patient = reader(a, locale);
      await signInPatient(patient, a.people.patient);
      await patient.submit('/start', { offering: a.offeringSlug, add_ons: 'imaging-reread', jurisdiction: 'US-CA' });
      check(await patient.get('/start/plan'), locale, 200, 'plan, through the patient’s physician, signed in');
      const started = await patient.post('/start/plan');
      const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec(started.location ?? '')![1];
      const step = (name: string) => `/start/${id}/${name}`;

      check(await patient.get(step('review')), locale, 200, 'review, nothing done yet');
      check(await patient.post(step('review'), { accept: 'yes' }), locale, 400, 'review refused: steps missing');
      check(await patient.get(step('details')), locale, 200, 'details');
      check(await patient.submit(step('details'), { questions: '', diagnosis: '' }), locale, 400, 'refused details');
      const details = await patient.submit(step('details'), { questions: 'Is surgery needed?', diagnosis: 'Stenosis' });
      expect(details).toMatchObject({ status: 303, location: step('physician') });
      check(await patient.get(step('physician')), locale, 200, 'local physician');
      check(await patient.submit(step('physician'), { name: '', email: 'nope', npi: '123' }), locale, 400, 'refused physician');
      await patient.submit(step('physician'), { name: 'Dr. Local', email: 'local@clinic.example' });
      check(await patient.get(step('consents')), locale, 200, 'consents');
      check(await patient.submit(step('consents'), {}), locale, 400, 'refused consents');
      check(await patient.get(step('choice')), locale, 200, 'choice of a draft');
      check(
        await patient.submit(step('choice'), { offering: a.offeringSlug, jurisdiction: 'other', country: 'MX' }),
        locale,
        400,
        'a draft moved to a place with no opinion',
      );
      check(await patient.post(step('review'), {}), locale, 400, 'review refused: price not accepted');
      check(await patient.post(step('review'), { go: 'update' }), locale, 200, 'review, price updated');
    });

    it('a funding program’s refusals: the patient’s code and confirmation, the coordinator’s pending review', async () => {
      const patient = reader(f, locale);
      await signInPatient(patient, f.people.patient);
      await patient.submit('/start', { offering: f.offeringSlug, jurisdiction: 'US-NY' });
      await patient.get('/start/plan');
      const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec((await patient.post('/start/plan')).location ?? '')![1];
      const step = (name: string) => `/start/${id}/${name}`;
      await patient.submit(step('details'), { questions: 'Is surgery needed?', diagnosis: 'Stenosis' });
      await patient.submit(step('consents'), { consent_terms: 'yes', consent_records_authorization: 'yes' });
      await patient.get(step('review'));
      const refusals: [Record<string, string>, string][] = [
        [{ funding: programs.employer, funding_code: '' }, 'payments.funding.codeRequired'],
        [{ funding: programs.employer, funding_code: 'NOT-A-REAL-CODE' }, 'payments.funding.codeInvalid'],
        [{ funding: programs.charity }, 'payments.funding.attestRequired'],
      ];
      for (const [form, key] of refusals) {
        const refused = await patient.post(step('review'), { ...form, accept: 'yes' });
        check(refused, locale, 400, key, f);
        expect(refused.text).toContain(translator.t(key, locale));
        expect(refused.text).not.toContain('[object Object]');
      }
      const kept = await patient.post(step('review'), { funding: programs.employer, funding_code: 'NOT-A-REAL-CODE', accept: 'yes' });
      expect(kept.text).toContain('value="NOT-A-REAL-CODE"');
      expect(await patient.post(step('review'), { funding: programs.charity, eligible: 'yes', accept: 'yes' })).toMatchObject({
        status: 303,
      });

      const coordinator = reader(f, locale);
      await signInStaff(coordinator, f.people.coordinator);
      await coordinator.submit(`/console/cases/${id}`, { move: 'start_triage' }, `/console/cases/${id}/move`);
      const refused = await coordinator.post(`/console/cases/${id}/move`, { move: 'accept' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(translator.t('payments.funding.reviewPending', locale));
      expect(refused.text).not.toContain('[object Object]');
    });

    it('“Your requests”, a request’s page and its refused forms; another hospital answers 404', async () => {
      const patient = reader(a, locale);
      await signInPatient(patient, a.people.patient);
      await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
      await patient.get('/start/plan');
      const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec((await patient.post('/start/plan')).location ?? '')![1];
      const request = `/account/cases/${id}`;
      check(await patient.get('/account'), locale, 200, '/account');
      check(await patient.get(request), locale, 200, 'a request’s page');
      check(await patient.post(`${request}/messages`, { body: ' ' }), locale, 400, 'refused message');
      check(await patient.get(`${request}/record-requests/new`), locale, 200, 'records request');
      check(
        await patient.submit(`${request}/record-requests/new`, { date_from: 'last year' }, `${request}/record-requests`),
        locale,
        400,
        'refused records request',
      );
      // The signed authorization, in the patient's language: every heading and label by key (it was English only).
      const signed = await patient.submit(
        `${request}/record-requests/new`,
        {
          provider_name: 'Springfield Imaging',
          provider_contact: 'Fax +1 217 555 0100',
          records_described: 'Chest CT 2025 and reports',
          date_from: '2025-01-01',
          date_to: '',
          patient_legal_name: 'Jordan Patient',
          patient_birth_date: '1970-04-02',
          signed_name: 'Jordan Patient',
          agree: 'yes',
        },
        `${request}/record-requests`,
      );
      expect(signed.status).toBe(303);
      const link = /href="(\/account\/cases\/[^"]+\/authorization\.pdf)"/.exec((await patient.get(request)).text)![1];
      const pdf = await supertest(app.getHttpServer())
        .get(link)
        .set({ Host: a.host, Cookie: patient.cookieHeader() })
        .buffer(true)
        .parse((res: supertest.Response, done: (error: Error | null, body: Buffer) => void) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        });
      expect(pdf.status).toBe(200);
      const authorization = letterText(pdf.body as Buffer);
      for (const key of ['who', 'recipient', 'expirationHeading', 'rightsHeading', 'dates', 'birthDate'])
        expect(authorization).toContain(translator.t(`intake.authorization.${key}`, locale));
      expect(authorization).toContain(
        new Intl.DateTimeFormat(locale === 'en' ? 'en-US' : locale === 'es' ? 'es-US' : 'fr-FR', {
          dateStyle: 'long',
          timeZone: 'UTC',
        }).format(new Date('1970-04-02T12:00:00Z')),
      );
      if (locale !== 'en') expect(authorization).not.toContain('Who may receive it');

      const other = reader(b, locale);
      await signInPatient(other, b.people.patient);
      check(await other.get(request), locale, 404, 'another hospital’s request', b);
      check(await other.get(`/start/${id}/details`), locale, 404, 'another hospital’s draft', b);
      check(await other.post(`${request}/messages`, { body: 'hello' }), locale, 404, 'a message to another hospital’s request', b);
    });
  });
});
