import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * The catalog editor in every platform language: the overview with its price rules, an offering, a new one, and
 * each refused form. Another hospital's admin gets the same 404 as for an offering that does not exist.
 */
describe('every word in the admin’s language: the catalog console', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, {
      a: { locales: LOCALES, default_locale: 'en' },
      b: { locales: LOCALES, default_locale: 'en' },
    }));
  });

  afterAll(() => app.close());

  function check(page: Page, locale: string, status: number, what: string): void {
    const data = [a.name, b.name, 'Consilium', 'Test Cardiology', 'Test heart review', 'Imaging re-read'];
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the overview, an offering, a new one, their refused forms; another hospital answers 404', async () => {
      const admin = new WebClient(app, a.host);
      admin.cookies.set('lang', locale);
      await signInStaff(admin, a.people.admin);
      const offering = `/console/catalog/offerings/${a.offeringSlug}`;
      check(await admin.get('/console/catalog'), locale, 200, 'catalog');
      check(await admin.get(offering), locale, 200, 'an offering');
      check(await admin.get('/console/catalog/offerings/new'), locale, 200, 'a new offering');
      check(
        await admin.post(offering, { price: '-5', turnaround_days: '99', addon_0_code: 'Bad Code!', addon_0_price: 'x' }),
        locale,
        400,
        'refused offering',
      );
      check(
        await admin.submit('/console/catalog/offerings/new', { slug: 'Not A Slug', specialty: 'nope' }, '/console/catalog/offerings'),
        locale,
        400,
        'refused new offering',
      );
      check(
        await admin.submit(
          '/console/catalog',
          { in_state_kind: 'percent', in_state_percent: '900', out_of_state_kind: 'x' },
          '/console/catalog/price-rules',
        ),
        locale,
        400,
        'refused price rules',
      );

      const other = new WebClient(app, b.host);
      other.cookies.set('lang', locale);
      await signInStaff(other, b.people.admin);
      check(await other.get(offering), locale, 404, 'another hospital’s offering');
    });
  });
});
