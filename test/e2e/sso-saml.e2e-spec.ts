import { TenantDatabase } from '@consilium/core';
import { BlueprintExporter, parseIdpMetadata } from '@consilium/tenancy';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { Flaw, samlIdp, SamlPerson } from '../support/saml-idp';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTwoHospitals, TestHospital, testBlueprint } from '../support/tenants';
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

  it('takes the IdP from the blueprint’s metadata, and exports it back as metadata that re-applies', async () => {
    const idpC = samlIdp();
    const sso = {
      saml: {
        name: 'Blueprint ADFS',
        metadata: idpC.metadata,
        allowed_domains: [`${b.slug}.example.net`],
        roles: { doctors: 'physician' as const },
      },
    };
    // Earlier tests set B's connection up in the console: the blueprint replaces it, saying so.
    const applied = await applyTestBlueprint(app, testBlueprint(b.slug, { sso }), { overwriteConsoleEdits: true });
    expect(applied.changes).toContain(`single sign-on: Blueprint ADFS (SAML, ${idpC.entityId})`);
    const client = new WebClient(app, b.host);
    expect((await client.get('/console/sign-in')).text).toContain('Sign in with Blueprint ADFS');
    const { page } = await samlSignIn(client, idpC, { email: `bp.doc@${b.slug}.example.net`, groups: ['doctors'] });
    expect(page.location).toBe('/console/mfa?next=%2Fconsole%2Fstaff');
    const exported = (await app.get(BlueprintExporter).export(b.slug))!.blueprint.sso!.saml!;
    const reread = parseIdpMetadata(exported.metadata);
    expect(reread.ok && reread.metadata.entityId).toBe(idpC.entityId);
    expect((await applyTestBlueprint(app, testBlueprint(b.slug, { sso: { saml: exported } }), { dryRun: true })).changes).toEqual([]);
  });
});
