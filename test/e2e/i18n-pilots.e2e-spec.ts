import { enablePseudoLocale, PSEUDO_LOCALE, Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { RosterConsoleModule } from '@consilium/roster';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { OPERATOR_HOST } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital, TestPeople } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

// Before the app exists: the pseudo-locale is then a platform language like any catalog, nothing else enabled.
enablePseudoLocale();

const LOCALES = ['en', 'es', 'fr', PSEUDO_LOCALE];

/**
 * The pilot libs (core's pages, identity, roster's console) in every platform language and the pseudo-locale:
 * each page and each refused form, with no word from another language's catalog or from none.
 */
describe('every word in the reader’s language: core, identity and roster pages', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let tenant: TestHospital;
  let people: TestPeople;
  let data: string[];

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, RosterConsoleModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    translator = app.get(Translator);
    tenant = await createTestHospital(app, { locales: LOCALES, default_locale: 'en' });
    people = tenant.people;
    // The hospital's own content, as its blueprint gives it (the same text in every language here), and place names.
    data = [tenant.name, 'Test Cardiology', 'Cardiologist', `Doctor ${tenant.slug.slice(2)}`, 'MD', 'New York', 'Consilium'];
  });

  afterAll(() => app.close());

  /** A client on `host` reading `locale` (the language cookie, as a visitor who chose it). */
  const reader = (host: string, locale: string): WebClient => readerIn(app, host, locale);

  /** An address with no account, its own for each refusal: wrong passwords for one address are an abuse limit. */
  const nobody = (what: string, locale: string) => `nobody.${what}.${locale}.${Date.now()}@example.org`;

  function check(page: Page, locale: string, status: number, what: string): void {
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('signed-out site pages, their refused forms, and the 404 page', async () => {
      const visitor = reader(tenant.host, locale);
      for (const path of [
        '/sign-in',
        '/sign-up',
        '/forgot-password',
        '/reset-password/not-a-token',
        '/sign-in/link/not-a-token',
        '/verify-email/not-a-token',
      ])
        check(await visitor.get(path), locale, 200, path);
      check(await visitor.submit('/sign-up', { name: '', email: 'not-an-email', password: 'short' }), locale, 400, 'refused sign-up');
      const signUp = {
        name: 'Ana Díaz',
        email: `pilot.${locale}.${Date.now()}@example.org`,
        password: 'a long enough passphrase',
        terms: 'yes',
      };
      check(await visitor.submit('/sign-up', signUp), locale, 200, 'sign-up: check your email');
      check(await visitor.post('/verify-email/not-a-token'), locale, 400, 'expired sign-up link');
      check(
        await visitor.submit('/sign-in', { email: nobody('site', locale), password: 'wrong password' }),
        locale,
        400,
        'refused sign-in',
      );
      check(await visitor.submit('/forgot-password', { email: 'nope' }), locale, 400, 'refused forgot-password');
      check(await visitor.submit('/sign-in', { email: 'nope' }, '/sign-in/link'), locale, 400, 'refused sign-in link');
      check(
        await visitor.post('/reset-password/not-a-token', { password: 'correct horse battery staple' }),
        locale,
        400,
        'expired reset link',
      );
      check(await visitor.post('/sign-in/link/not-a-token'), locale, 400, 'expired sign-in link');
      check(await visitor.get('/no-such-page'), locale, 404, 'not found');
    });

    it('a patient’s settings, and a refused password change', async () => {
      const patient = reader(tenant.host, locale);
      await signInPatient(patient, people.patient);
      check(await patient.get('/account/settings'), locale, 200, '/account/settings');
      const refused = await patient.submit(
        '/account/settings',
        { current_password: 'not it', new_password: 'x' },
        '/account/settings/password',
      );
      check(refused, locale, 400, 'refused password change');
    });

    it('the console: home, settings, staff, API keys, roster and physicians, with refused forms', async () => {
      const admin = reader(tenant.host, locale);
      check(await admin.get('/console/sign-in'), locale, 200, '/console/sign-in');
      check(await admin.get('/console/forgot-password'), locale, 200, '/console/forgot-password');
      await signInStaff(admin, people.admin);
      for (const path of [
        '/console',
        '/console/settings',
        '/console/staff',
        '/console/api-keys',
        '/console/roster',
        '/console/roster/new',
        `/console/roster/${tenant.physicianSlug}`,
        '/console/physicians',
      ])
        check(await admin.get(path), locale, 200, path);
      check(await admin.submit('/console/staff', { name: '', email: 'x', roles: [] }), locale, 400, 'refused invitation');
      check(await admin.post(`/console/staff/${people.admin.id}/disable`), locale, 400, 'refused self-disable');
      check(await admin.submit('/console/api-keys', { name: '' }), locale, 400, 'refused API key');
      check(
        await admin.submit('/console/roster/new', { slug: 'Not A Slug', weekly_capacity: '500', stipend: '-1' }, '/console/roster'),
        locale,
        400,
        'refused new physician',
      );
      const edit = `/console/roster/${tenant.physicianSlug}`;
      check(
        await admin.submit(edit, { name: '', license_0_jurisdiction: 'US-ZZ', license_0_number: '1', license_0_expires: 'soon' }),
        locale,
        400,
        'refused physician',
      );
    });

    it('the operator host: sign-in, a refused sign-in, and the page for a host with no hospital', async () => {
      const operator = reader(OPERATOR_HOST, locale);
      check(await operator.get('/operator/sign-in'), locale, 200, '/operator/sign-in');
      check(
        await operator.submit('/operator/sign-in', { email: nobody('operator', locale), password: 'wrong password' }),
        locale,
        400,
        'refused operator sign-in',
      );
      check(await reader('nowhere.localhost', locale).get('/'), locale, 404, 'no program at this address');
    });
  });

  it('formats by the locale’s region: a French-Canadian reader gets Canadian French', () => {
    const plain = (text: string) => text.replace(/\s/g, ' ');
    expect(plain(translator.t('core.form.whole', 'fr-CA', { min: 1000, max: 100000 }))).toBe(
      'Saisissez un nombre entier entre 1 000 et 100 000.',
    );
    expect(translator.t('core.form.tooLong', 'fr-CA', { max: 1 })).toBe('Restez sous 1 caractère.');
    expect(translator.t('core.form.whole', 'en', { min: 1000, max: 100000 })).toBe('Enter a whole number between 1,000 and 100,000.');
  });
});
