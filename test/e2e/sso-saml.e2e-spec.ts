import { TenantDatabase } from '@consilium/core';
import { BlueprintExporter, parseIdpMetadata } from '@consilium/tenancy';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { DOMParser } from '@xmldom/xmldom';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { Flaw, samlIdp, SamlPerson } from '../support/saml-idp';
import { freshCode, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTwoHospitals, TEST_PASSWORD, TestHospital, testBlueprint } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

/**
 * Staff sign in through the hospital's SAML 2.0 IdP: SP-initiated (HTTP-Redirect), the assertion posted back and
 * checked by node-saml; the IdP signs with the same library and a certificate made in the test.
 */
describe('single sign-on with SAML 2.0', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  const idpA = samlIdp();
  const idpB = samlIdp();
  let domainA: string;

  async function configure(hospital: TestHospital, form: Record<string, string>): Promise<Page> {
    const admin = new WebClient(app, hospital.host);
    await signInStaff(admin, hospital.people.admin);
    return admin.submit(
      '/console/settings/sso',
      {
        samlDisplayName: `${hospital.slug} ADFS`,
        samlAllowedDomains: `${hospital.slug}.example.net`,
        samlRoleAttribute: 'groups',
        samlRoleMap: 'doctors = physician',
        samlMfaContexts: 'urn:example:mfa',
        ...form,
      },
      '/console/settings/sso/saml',
    );
  }

  /** "Sign in with ..." on the hospital's host, the IdP's answer posted back as its auto-submitting form would. */
  async function samlSignIn(client: WebClient, idp: ReturnType<typeof samlIdp>, person: SamlPerson, flaw: Flaw = {}) {
    const started = await client.get('/console/sso/saml/start?next=%2Fconsole%2Fstaff');
    expect(started.status).toBe(303);
    const answer = idp.respond(started.location!, person, flaw);
    return { answer, page: await client.post('/console/sso/saml/acs', answer, { csrf: false }) };
  }

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app));
    domainA = `${a.slug}.example.net`;
    expect((await configure(a, { samlMetadata: idpA.metadata })).location).toBe('/console/settings/sso?saved=1');
  });

  afterAll(() => app?.close());

  it('signs a new person in with the mapped role, honours the IdP’s MFA context, and audits it', async () => {
    const client = new WebClient(app, a.host);
    expect((await client.get('/console/sign-in')).text).toContain(`Sign in with ${a.slug} ADFS`);
    const { page } = await samlSignIn(client, idpA, { email: `Saml.Doc@${domainA}`, groups: ['doctors'], context: 'urn:example:mfa' });
    expect(page.status).toBe(303);
    expect(page.location).toBe('/console/staff');
    expect((await client.get('/console')).status).toBe(200);
    const audit = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT outcome FROM audit_events WHERE action = 'staff.sso_sign_in' ORDER BY occurred_at DESC LIMIT 1`),
      );
    expect(audit).toEqual([{ outcome: 'allowed' }]);
    // A password-only context: our own second factor still applies.
    const weak = await samlSignIn(new WebClient(app, a.host), idpA, { email: `saml.doc@${domainA}`, groups: ['doctors'] });
    expect(weak.page.location).toBe('/console/mfa?next=%2Fconsole%2Fstaff');
  });

  it.each([
    ['an unsigned assertion', { unsigned: true }],
    ['an assertion changed after signing', { tampered: true }],
    ['an assertion signed by another key', { otherKey: true }],
    ['an assertion for another audience', { audience: 'https://another-sp.example.net' }],
    ['an assertion for another recipient', { recipient: 'https://another-sp.example.net/acs' }],
    ['an expired assertion', { expired: true }],
  ] as [string, Flaw][])('refuses %s and signs nobody in', async (_what, flaw) => {
    const client = new WebClient(app, a.host);
    const { page } = await samlSignIn(client, idpA, { email: `victim@${domainA}`, groups: ['doctors'], context: 'urn:example:mfa' }, flaw);
    expect(page.status).toBe(400);
    expect(page.text).toContain('Your identity provider’s answer could not be verified.');
    expect((await client.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
  });

  it('refuses a replayed assertion, even inside a new sign-in, and one begun at another hospital', async () => {
    const client = new WebClient(app, a.host);
    const first = await samlSignIn(client, idpA, { email: `replay@${domainA}`, groups: ['doctors'], context: 'urn:example:mfa' });
    expect(first.page.status).toBe(303);
    const again = await new WebClient(app, a.host).post('/console/sso/saml/acs', first.answer, { csrf: false });
    expect(again.status).toBe(400);
    expect(again.text).toContain('This sign-in has expired or was already used.');
    // The same assertion ID answering a fresh request (its InResponseTo valid): seen before, refused.
    const assertionId = /ID="(_a[^"]+)"/.exec(Buffer.from(first.answer.SAMLResponse, 'base64').toString())![1];
    const reused = await samlSignIn(new WebClient(app, a.host), idpA, { email: `replay@${domainA}`, groups: ['doctors'] }, { assertionId });
    expect(reused.page.status).toBe(400);
    expect(reused.page.text).toContain('This sign-in has expired or was already used.');
    const seen = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query('SELECT expires_at > now() AS live FROM saml_seen_assertions WHERE assertion_id = $1', [assertionId]),
      );
    expect(seen).toEqual([{ live: true }]);

    // Hospital B trusts its own IdP; B's sign-in answered and posted to A finds no attempt there.
    expect((await configure(b, { samlMetadata: idpB.metadata })).status).toBe(303);
    const atB = await new WebClient(app, b.host).get('/console/sso/saml/start');
    const answerB = idpB.respond(atB.location!, { email: `doc@${b.slug}.example.net`, groups: ['doctors'] });
    const crossed = await new WebClient(app, a.host).post('/console/sso/saml/acs', answerB, { csrf: false });
    expect(crossed.status).toBe(400);
    // And A's IdP cannot sign people into B.
    const atB2 = await new WebClient(app, b.host).get('/console/sso/saml/start');
    const forged = idpA.respond(atB2.location!.replace(idpB.ssoUrl, idpA.ssoUrl), {
      email: `doc@${b.slug}.example.net`,
      groups: ['doctors'],
    });
    expect((await new WebClient(app, b.host).post('/console/sso/saml/acs', forged, { csrf: false })).status).toBe(400);
  });

  it('says what is wrong with bad metadata, beside the field, pasted or by URL', async () => {
    const notXml = await configure(a, { samlMetadata: 'hello <' });
    expect(notXml.status).toBe(400);
    expect(notXml.text).toContain('This is not readable XML.');
    const spMetadata = await configure(a, {
      samlMetadata: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
    });
    expect(spMetadata.text).toContain('This metadata describes no identity provider');
    const noCert = await configure(a, { samlMetadata: idpA.metadata.replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, '') });
    expect(noCert.text).toContain('The metadata has no signing certificate');
    const badCert = await configure(a, { samlMetadata: idpA.metadata.replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>AAAA') });
    expect(badCert.text).toContain('A signing certificate in the metadata cannot be read.');
    const nothing = await configure(a, {});
    expect(nothing.text).toContain('Paste the IdP’s metadata XML or give its URL.');
    // The page's other form still shows what is stored: a refused OpenID form keeps the SAML settings in view.
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const oidcRefused = await admin.submit('/console/settings/sso', { displayName: '', issuer: '' });
    expect(oidcRefused.status).toBe(400);
    expect(oidcRefused.text).toContain(`value="${a.slug} ADFS"`);

    // By URL: read from the IdP's own address (a local server here), and an address with nothing.
    const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(idpA.metadata));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await configure(a, { samlMetadataUrl: `http://127.0.0.1:${port}/metadata` })).status).toBe(303);
      const unreachable = await configure(a, { samlMetadataUrl: 'http://127.0.0.1:9/metadata' });
      expect(unreachable.text).toContain('No SAML metadata could be read at http://127.0.0.1:9/metadata.');
    } finally {
      server.close();
    }
  });

  it('with only SAML set up, single sign-on can be required: staff passwords refused, the break-glass admin still needs TOTP', async () => {
    const refusedWithout = await configure(a, { samlMetadata: idpA.metadata, samlRequireSso: 'yes' });
    expect(refusedWithout.status).toBe(400);
    expect(refusedWithout.text).toMatch(
      /id="f-samlBreakGlassEmail-error"[^>]*>.*Name the break-glass admin before requiring single sign-on/s,
    );
    expect(refusedWithout.text).toContain('id="f-samlRequireSso" type="checkbox" name="samlRequireSso" value="yes" checked');
    const required = await configure(a, { samlMetadata: idpA.metadata, samlRequireSso: 'yes', samlBreakGlassEmail: a.people.admin.email });
    expect(required.status).toBe(303);
    try {
      const admin = new WebClient(app, a.host);
      await signInStaff(admin, a.people.admin);
      const settings = await admin.get('/console/settings/sso');
      expect(settings.text).toContain('id="f-samlRequireSso" type="checkbox" name="samlRequireSso" value="yes" checked');
      expect(settings.text).toContain(`value="${a.people.admin.email}"`);

      for (const password of [TEST_PASSWORD, 'nope']) {
        const coordinator = await new WebClient(app, a.host).submit('/console/sign-in', { email: a.people.coordinator.email, password });
        expect(coordinator.status).toBe(400);
        expect(coordinator.text).toContain('This hospital’s staff sign in with its identity provider.');
      }
      const breakGlass = new WebClient(app, a.host);
      const first = await breakGlass.submit('/console/sign-in', { email: a.people.admin.email, password: TEST_PASSWORD });
      expect(first.location).toMatch(/^\/console\/mfa/);
      expect((await breakGlass.get('/console')).location).toMatch(/^\/console\/mfa/);
      expect((await breakGlass.submit('/console/mfa', { code: await freshCode(a.people.admin.email, undefined, app) })).status).toBe(303);
      // Staff still come in through the IdP, and hospital B, which did not require it, keeps passwords.
      const viaIdp = await samlSignIn(new WebClient(app, a.host), idpA, {
        email: `required@${domainA}`,
        groups: ['doctors'],
        context: 'urn:example:mfa',
      });
      expect(viaIdp.page.location).toBe('/console/staff');
      await signInStaff(new WebClient(app, b.host), b.people.coordinator);
    } finally {
      expect((await configure(a, { samlMetadata: idpA.metadata })).status).toBe(303);
    }
    await signInStaff(new WebClient(app, a.host), a.people.coordinator);
  });

  it('publishes each hospital’s SP metadata for its IdP admin to import, linked from the settings page', async () => {
    const metadata = await new WebClient(app, a.host).get('/console/sso/saml/metadata');
    expect(metadata.status).toBe(200);
    expect(metadata.headers['content-type']).toMatch(/^application\/samlmetadata\+xml/);
    const doc = new DOMParser().parseFromString(metadata.text, 'text/xml');
    const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
    const entityId = doc.documentElement.getAttribute('entityID')!;
    expect(entityId).toMatch(new RegExp(`^http://${a.host}(:\\d+)?/console/sso/saml$`));
    const sp = doc.getElementsByTagNameNS(MD, 'SPSSODescriptor')[0];
    expect(sp.getAttribute('WantAssertionsSigned')).toBe('true');
    const acs = doc.getElementsByTagNameNS(MD, 'AssertionConsumerService')[0];
    expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(acs.getAttribute('Location')).toBe(`${entityId}/acs`);
    expect(doc.getElementsByTagNameNS(MD, 'NameIDFormat')[0].textContent).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    // What the IdP is told is what a sign-in checks: an assertion for this audience and ACS is accepted.
    const { page } = await samlSignIn(new WebClient(app, a.host), idpA, {
      email: `metadata@${domainA}`,
      groups: ['doctors'],
      context: 'urn:example:mfa',
    });
    expect(page.location).toBe('/console/staff');

    // Each hospital has its own, and needs no IdP set up yet to publish it.
    const fresh = await createTwoHospitals(app);
    const other = new DOMParser().parseFromString(
      (await new WebClient(app, fresh.a.host).get('/console/sso/saml/metadata')).text,
      'text/xml',
    );
    expect(other.documentElement.getAttribute('entityID')).toMatch(new RegExp(`^http://${fresh.a.host}(:\\d+)?/console/sso/saml$`));

    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    expect((await admin.get('/console/settings/sso')).text).toContain(`href="${entityId}/metadata"`);
  });

  it('takes the IdP from the blueprint’s metadata, and exports it back as metadata that re-applies', async () => {
    const idpC = samlIdp();
    const sso = {
      saml: {
        name: 'Blueprint ADFS',
        metadata: idpC.metadata,
        allowed_domains: [`${b.slug}.example.net`],
        roles: { doctors: 'physician' as const },
        require_sso: true,
        break_glass_email: b.people.admin.email,
      },
    };
    // Earlier tests set B's connection up in the console: the blueprint replaces it, saying so.
    const applied = await applyTestBlueprint(app, testBlueprint(b.slug, { sso }), { overwriteConsoleEdits: true });
    expect(applied.changes).toContain(`single sign-on: Blueprint ADFS (SAML, ${idpC.entityId})`);
    const client = new WebClient(app, b.host);
    expect((await client.get('/console/sign-in')).text).toContain('Sign in with Blueprint ADFS');
    const { page } = await samlSignIn(client, idpC, { email: `bp.doc@${b.slug}.example.net`, groups: ['doctors'] });
    expect(page.location).toBe('/console/mfa?next=%2Fconsole%2Fstaff');
    // Required there too: B's staff passwords open nothing now, except its break-glass admin's.
    const password = await new WebClient(app, b.host).submit('/console/sign-in', {
      email: b.people.coordinator.email,
      password: TEST_PASSWORD,
    });
    expect(password.text).toContain('This hospital’s staff sign in with its identity provider.');
    await signInStaff(new WebClient(app, b.host), b.people.admin);
    const exported = (await app.get(BlueprintExporter).export(b.slug))!.blueprint.sso!.saml!;
    expect(exported).toMatchObject({ require_sso: true, break_glass_email: b.people.admin.email });
    const reread = parseIdpMetadata(exported.metadata);
    expect(reread.ok && reread.metadata.entityId).toBe(idpC.entityId);
    expect((await applyTestBlueprint(app, testBlueprint(b.slug, { sso: { saml: exported } }), { dryRun: true })).changes).toEqual([]);
  });

  describe('where private addresses are refused (as in production)', () => {
    let strict: NestFastifyApplication;

    beforeAll(async () => {
      strict = await createTestApp(
        { SSO_FETCH_PRIVATE_ADDRESSES: 'false' },
        { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      );
    });

    afterAll(() => strict?.close());

    it('refuses a metadata URL on this machine or a private network, beside the field, keeping what was typed', async () => {
      const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(idpA.metadata));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      let served = 0;
      server.on('request', () => served++);
      try {
        const { port } = server.address() as AddressInfo;
        const admin = new WebClient(strict, a.host);
        await signInStaff(admin, a.people.admin);
        for (const url of [
          `http://127.0.0.1:${port}/metadata`,
          `http://localhost:${port}/metadata`,
          'http://169.254.169.254/latest/meta-data/',
        ]) {
          const refused = await admin.submit(
            '/console/settings/sso',
            { samlDisplayName: 'Strict ADFS', samlMetadataUrl: url, samlAllowedDomains: domainA, samlRoleMap: 'doctors = physician' },
            '/console/settings/sso/saml',
          );
          expect(refused.status).toBe(400);
          expect(refused.text).toMatch(/id="f-samlMetadataUrl-error"[^>]*>.*points to this server or a private network/s);
          expect(refused.text).toContain(`value="${url}"`);
        }
        expect(served).toBe(0);
      } finally {
        server.close();
      }
      // Nothing was saved: the IdP stays the one set up before.
      expect((await new WebClient(app, a.host).get('/console/sign-in')).text).toContain(`Sign in with ${a.slug} ADFS`);
    });
  });
});
