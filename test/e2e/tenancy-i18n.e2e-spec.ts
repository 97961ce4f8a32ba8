import { enablePseudoLocale, PSEUDO_LOCALE, Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { expectPageIn } from '../support/leak-detector';
import { postMultipart, signInOperator } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

// Before the app exists: the pseudo-locale is then a platform language like any catalog.
enablePseudoLocale();

const LOCALES = ['en', 'es', 'fr', PSEUDO_LOCALE];

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** An ELF executable's first bytes, sent as a PNG. */
const EXECUTABLE = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(256)]);

/**
 * Tenancy's pages in every platform language and the pseudo-locale: the hospital admin's branding console and the operator console's
 * hospitals, with their refused forms, with no word from another language's catalog or from none.
 */
describe('tenancy: every word in the reader’s language', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let tenant: TestHospital;
  let other: TestHospital;
  let operator: WebClient;
  let data: string[];

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    translator = app.get(Translator);
    ({ a: tenant, b: other } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
    operator = (await signInOperator(app)).client;
    data = [tenant.name, other.name, tenant.slug, other.slug, tenant.host, other.host, 'Consilium', 'Georgia', 'serif', 'USD', 'localhost'];
  });

  afterAll(() => app.close());

  function check(page: { status: number; text: string }, locale: string, status: number, what: string): void {
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the branding console, a refused save and a refused logo', async () => {
      const admin = new WebClient(app, tenant.host);
      admin.cookies.set('lang', locale);
      await signInStaff(admin, tenant.people.admin);
      check(await admin.get('/console/branding'), locale, 200, '/console/branding');
      const refused = await admin.submit('/console/branding', {
        color_primary: 'red',
        color_accent: '#f2a900',
        color_text: '#111111',
        color_background: '#fffdf8',
        font_heading: 'x;}',
        font_body: '',
        contact_email: 'not-an-email',
      });
      check(refused, locale, 400, 'refused branding');
      for (const [key, values] of [
        ['site.console.branding.colourInvalid', {}],
        ['site.console.branding.fontInvalid', {}],
        ['site.console.branding.fontRequired', {}],
        ['site.console.branding.emailInvalid', {}],
      ] as const)
        expect(refused.text).toContain(escape(translator.t(key, locale, values)));
      expect(refused.text).toContain('value="not-an-email"');
      const logo = await postMultipart(
        app,
        admin,
        '/console/branding',
        '/console/branding/logo',
        {},
        {
          field: 'logo',
          name: 'logo.png',
          bytes: EXECUTABLE,
          type: 'image/png',
        },
      );
      check(logo, locale, 400, 'refused logo');
      expect(logo.text).toContain(escape(translator.t('site.image.notImage', locale)));
    });

    it('the operator console’s hospitals, a refused onboarding and a refused domain', async () => {
      operator.cookies.set('lang', locale);
      for (const path of ['/operator/tenants', '/operator/tenants/new', `/operator/tenants/${tenant.slug}`])
        check(await operator.get(path), locale, 200, path);
      const slug = `rv-${randomBytes(3).toString('hex')}`;
      const onboard = (bytes: Buffer) =>
        postMultipart(
          app,
          operator,
          '/operator/tenants/new',
          '/operator/tenants',
          {
            name: `Riverside ${slug}`,
            slug: other.slug,
            case_prefix: 'toolong1',
            time_zone: 'Mars/Olympus',
            currency: 'USD',
            locales: ['en'],
            default_locale: 'en',
            color_primary: 'red',
            color_accent: '#1f7a4d',
            color_text: '#1a1a1a',
            color_background: '#ffffff',
            unlicensed_states: 'decline',
            international: 'decline',
          },
          { field: 'logo', name: 'logo.png', bytes, type: 'image/png' },
        );
      check(await onboard(EXECUTABLE), locale, 400, 'refused onboarding (logo)');
      const refused = await onboard(PNG);
      check(refused, locale, 400, 'refused onboarding');
      for (const field of ['case_prefix', 'time_zone', 'color'])
        expect(refused.text).toContain(escape(translator.t(`site.operator.invalid.${field}`, locale)));
      const domain = await operator.submit(
        `/operator/tenants/${tenant.slug}`,
        { host: 'not a host' },
        `/operator/tenants/${tenant.slug}/domains`,
      );
      check(domain, locale, 400, 'refused domain');
      expect(domain.text).toContain(escape(translator.t('site.operator.hostInvalid', locale)));
      const taken = await operator.submit(
        `/operator/tenants/${tenant.slug}`,
        { host: other.host },
        `/operator/tenants/${tenant.slug}/domains`,
      );
      check(taken, locale, 400, 'domain of another hospital');
      expect(taken.text).toContain(escape(translator.t('site.operator.hostTaken', locale, { host: other.host })));
    });
  });

  it('serves a hospital’s new logo on its own site only: another hospital’s host answers 404', async () => {
    const admin = new WebClient(app, tenant.host);
    await signInStaff(admin, tenant.people.admin);
    const saved = await postMultipart(
      app,
      admin,
      '/console/branding',
      '/console/branding/logo',
      {},
      { field: 'logo', name: 'l.png', bytes: PNG, type: 'image/png' },
    );
    expect(saved.status).toBe(303);
    const logo = /src="(\/brand\/[0-9a-f]+\/logo\.png)"/.exec((await new WebClient(app, tenant.host).get('/privacy')).text)?.[1];
    expect(logo).toBeDefined();
    expect((await new WebClient(app, tenant.host).get(logo!)).status).toBe(200);
    expect((await new WebClient(app, other.host).get(logo!)).status).toBe(404);
  });
});

/** As handlebars writes text into a page. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}
