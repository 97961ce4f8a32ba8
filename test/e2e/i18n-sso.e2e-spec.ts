import { AppConfig, enablePseudoLocale, msg, PSEUDO_LOCALE, Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectNoLeaks } from '../support/leak-detector';
import { OidcStandIn, startOidcStandIn } from '../support/oidc-stand-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { samlIdp } from '../support/saml-idp';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TEST_PASSWORD, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

enablePseudoLocale();

const LOCALES = ['en', 'es', 'fr', PSEUDO_LOCALE];
const PRIVATE_URL = 'http://127.0.0.1:9/metadata';

/** Single sign-on's pages and refusals in every platform language: the sign-in button, the settings, each refusal. */
describe('every word in the reader’s language: single sign-on', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let idp: OidcStandIn;
  let data: string[];

  beforeAll(async () => {
    idp = await startOidcStandIn();
    // The OpenID stand-in runs on this machine, so private addresses are allowed (as in development); the refusals of
    // a private metadata URL or issuer are asked below with production's rule.
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, {
      a: { locales: LOCALES, default_locale: 'en' },
      b: { locales: LOCALES, default_locale: 'en' },
    }));
    const client = await idp.register(`${app.get(AppConfig).originFor(a.host)}/console/sso/callback`);
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const saved = await admin.submit('/console/settings/sso', {
      displayName: 'Okta',
      issuer: idp.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      allowedDomains: 'example.org',
      roleMap: 'doctors = physician',
      requireSso: 'yes',
      breakGlassEmail: a.people.admin.email,
    });
    expect(saved.status).toBe(303);
    const saml = await admin.submit(
      '/console/settings/sso',
      { samlDisplayName: 'ADFS', samlMetadata: samlIdp().metadata, samlAllowedDomains: 'example.org', samlRoleMap: 'doctors = physician' },
      '/console/settings/sso/saml',
    );
    expect(saml.status).toBe(303);
    data = [
      'ADFS',
      a.name,
      b.name,
      'Okta',
      'Consilium',
      idp.issuer,
      client.clientId,
      'doctors = physician',
      'example.org',
      a.people.admin.email,
      'groups',
      PRIVATE_URL,
    ];
  });

  afterAll(async () => {
    await app?.close();
    await idp?.stop();
  });

  function reader(host: string, locale: string): WebClient {
    const client = new WebClient(app, host);
    client.cookies.set('lang', locale);
    return client;
  }

  function check(page: Page, locale: string, status: number, what: string): void {
    expect({ what, status: page.status }).toEqual({ what, status });
    expect(page.text).toContain(`<html lang="${locale}">`);
    expectNoLeaks(page.text, { locale, translator, allow: data, page: what });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the sign-in page with its button, and each refusal of a sign-in', async () => {
      check(await reader(a.host, locale).get('/console/sign-in'), locale, 200, 'sign-in with the IdP button');
      const password = await reader(a.host, locale).submit('/console/sign-in', {
        email: a.people.coordinator.email,
        password: TEST_PASSWORD,
      });
      check(password, locale, 400, 'password refused: single sign-on required');
      check(await reader(a.host, locale).get('/console/sso/callback?code=x&state=forged'), locale, 400, 'callback with an unknown state');
      const forgedAssertion = await reader(a.host, locale).post(
        '/console/sso/saml/acs',
        { SAMLResponse: 'eA==', RelayState: 'forged' },
        { csrf: false },
      );
      check(forgedAssertion, locale, 400, 'SAML assertion for no sign-in');
      // Hospital B has no IdP: no button, and its callback is no sign-in either.
      const atB = await reader(b.host, locale).get('/console/sign-in');
      check(atB, locale, 200, 'sign-in without an IdP');
      expect(atB.text).not.toContain('/console/sso/start');
      check(await reader(b.host, locale).get('/console/sso/start'), locale, 404, 'no IdP at this hospital');
    });

    it('the settings page, its refused form, and a new SCIM token', async () => {
      const admin = reader(a.host, locale);
      await signInStaff(admin, a.people.admin);
      check(await admin.get('/console/settings/sso'), locale, 200, 'settings');
      const refused = await admin.submit('/console/settings/sso', {
        displayName: 'Okta',
        issuer: 'not a url',
        clientId: '',
        allowedDomains: 'nope',
        roleMap: 'doctors = nurse',
      });
      check(refused, locale, 400, 'settings refused');
      const samlRefused = await admin.submit(
        '/console/settings/sso',
        { samlDisplayName: 'ADFS', samlMetadata: '<not xml', samlAllowedDomains: 'example.org', samlRoleMap: 'doctors = physician' },
        '/console/settings/sso/saml',
      );
      check(samlRefused, locale, 400, 'SAML settings refused');
      // Production's rule for admin-given addresses: nothing on this machine or its network.
      const config: { fetchPrivateAddresses: boolean } = app.get(AppConfig);
      config.fetchPrivateAddresses = false;
      const privateIssuer = await admin.submit('/console/settings/sso', {
        displayName: 'Okta',
        issuer: idp.issuer,
        clientId: 'x',
        clientSecret: 'y',
        allowedDomains: 'example.org',
        roleMap: 'doctors = physician',
      });
      check(privateIssuer, locale, 400, 'OpenID issuer on a private address');
      expect(privateIssuer.text).toContain(translator.message(msg('identity.sso.issuerPrivate', { url: idp.issuer }), locale));
      const privateUrl = await admin.submit(
        '/console/settings/sso',
        {
          samlDisplayName: 'ADFS',
          samlMetadataUrl: PRIVATE_URL,
          samlAllowedDomains: 'example.org',
          samlRoleMap: 'doctors = physician',
          samlRequireSso: 'yes',
        },
        '/console/settings/sso/saml',
      );
      check(privateUrl, locale, 400, 'SAML break-glass admin missing');
      const privateOnly = await admin.submit(
        '/console/settings/sso',
        { samlDisplayName: 'ADFS', samlMetadataUrl: PRIVATE_URL, samlAllowedDomains: 'example.org', samlRoleMap: 'doctors = physician' },
        '/console/settings/sso/saml',
      );
      check(privateOnly, locale, 400, 'SAML metadata URL on a private address');
      expect(privateOnly.text).toContain(translator.message(msg('identity.saml.metadataUrlPrivate', { url: PRIVATE_URL }), locale));
      config.fetchPrivateAddresses = true;
      check(
        await admin.submit('/console/settings/sso', { tokenName: '' }, '/console/settings/sso/scim-tokens'),
        locale,
        400,
        'token refused',
      );
      const created = await admin.submit('/console/settings/sso', { tokenName: 'Okta' }, '/console/settings/sso/scim-tokens');
      const token = /scim_[\w-]+/.exec(created.text)![0];
      expectNoLeaks(created.text, { locale, translator, allow: [...data, token], page: 'token created' });
    });
  });
});
