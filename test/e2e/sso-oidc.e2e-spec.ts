import { AppConfig, TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IdpPerson, OidcStandIn, startOidcStandIn } from '../support/oidc-stand-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { BlueprintExporter } from '@consilium/tenancy';
import { applyTestBlueprint, createTwoHospitals, TEST_PASSWORD, TestHospital, testBlueprint } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

/**
 * Staff sign in through the hospital's OpenID provider: a real one (oidc-provider) in its own process on loopback,
 * reached over HTTP; openid-client on our side. Each hospital's admin configures it in the console.
 */
describe('single sign-on with OpenID Connect', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let idp: OidcStandIn;
  let domainA: string;

  const callbackOf = (host: string) => `${app.get(AppConfig).originFor(host)}/console/sso/callback`;

  async function configure(hospital: TestHospital, extra: Record<string, string> = {}): Promise<Page> {
    const client = await registeredFor(hospital);
    const admin = new WebClient(app, hospital.host);
    await signInStaff(admin, hospital.people.admin);
    return admin.submit('/console/settings/sso', {
      displayName: `${hospital.slug} Entra`,
      issuer: idp.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      allowedDomains: `${hospital.slug}.example.net`,
      roleClaim: 'groups',
      roleMap: 'doctors = physician\ncoordinators = coordinator',
      ...extra,
    });
  }

  const clients = new Map<string, { clientId: string; clientSecret: string }>();
  async function registeredFor(hospital: TestHospital) {
    if (!clients.has(hospital.id)) clients.set(hospital.id, await idp.register(callbackOf(hospital.host)));
    return clients.get(hospital.id)!;
  }

  /** "Sign in with ..." on `host`, through the IdP as `person`; the platform's answer to the redirect back. */
  async function ssoSignIn(client: WebClient, person: IdpPerson): Promise<{ page: Page; callback: URL }> {
    const started = await client.get('/console/sso/start?next=%2Fconsole%2Fstaff');
    expect(started.status).toBe(303);
    const callback = await idp.signIn(started.location!, person);
    return { page: await client.get(`${callback.pathname}${callback.search}`), callback };
  }

  async function auditRows(hospital: TestHospital): Promise<{ action: string; outcome: string; entity_id: string | null }[]> {
    return app
      .get(TenantDatabase)
      .forTenant(hospital.id, (tx) =>
        tx.query(`SELECT action, outcome, entity_id FROM audit_events WHERE action = 'staff.sso_sign_in' ORDER BY occurred_at, id`),
      );
  }

  beforeAll(async () => {
    idp = await startOidcStandIn();
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app));
    domainA = `${a.slug}.example.net`;
    expect((await configure(a)).location).toBe('/console/settings/sso?saved=1');
  });

  afterAll(async () => {
    await app?.close();
    await idp?.stop();
  });

  afterEach(() => idp.misbehave(null));

  it('shows the button, signs a new person in with the mapped role and the IdP’s MFA, and audits it', async () => {
    const client = new WebClient(app, a.host);
    expect((await client.get('/console/sign-in')).text).toContain(`Sign in with ${a.slug} Entra`);
    const before = (await auditRows(a)).length;
    const { page } = await ssoSignIn(client, { email: `Dr.New@${domainA}`, groups: ['doctors', 'unrelated'], mfa: true });
    expect(page.status).toBe(303);
    // The IdP checked a second factor: ours is not asked again.
    expect(page.location).toBe('/console/staff');
    const home = await client.get('/console');
    expect(home.status).toBe(200);
    const rows = await app.get(TenantDatabase).forTenant(a.id, (tx) =>
      tx.query(
        `SELECT a.email, array_agg(r.role) AS roles FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id
          WHERE a.email = $1 GROUP BY a.email`,
        [`dr.new@${domainA}`],
      ),
    );
    expect(rows).toEqual([{ email: `dr.new@${domainA}`, roles: ['physician'] }]);
    // A physician may not manage staff: the mapped role is what applies.
    expect((await client.get('/console/staff')).status).toBe(403);
    const audit = await auditRows(a);
    expect(audit.slice(before)).toEqual([expect.objectContaining({ outcome: 'allowed', entity_id: expect.any(String) })]);
    // The same person again is the same account, not a second one.
    const again = await ssoSignIn(new WebClient(app, a.host), { email: `dr.new@${domainA}`, groups: ['coordinators'], mfa: true });
    expect(again.page.status).toBe(303);
    const count = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query(`SELECT count(*)::int AS n FROM accounts WHERE email = $1`, [`dr.new@${domainA}`]));
    expect(count).toEqual([{ n: 1 }]);
  });

  it('asks for our own second factor when the IdP does not say it checked one', async () => {
    const client = new WebClient(app, a.host);
    const { page } = await ssoSignIn(client, { email: `coord@${domainA}`, groups: ['coordinators'], mfa: false });
    expect(page.status).toBe(303);
    expect(page.location).toBe('/console/mfa?next=%2Fconsole%2Fstaff');
    expect((await client.get('/console')).location).toMatch(/^\/console\/mfa/);
  });

  it('counts an acr the admin listed as the IdP’s second factor, and no other', async () => {
    expect((await configure(a, { mfaAcrValues: 'urn:stand-in:mfa' })).status).toBe(303);
    try {
      const strong = await ssoSignIn(new WebClient(app, a.host), { email: `acr@${domainA}`, groups: ['doctors'], acr: 'urn:stand-in:mfa' });
      expect(strong.page.location).toBe('/console/staff');
      const weak = await ssoSignIn(new WebClient(app, a.host), {
        email: `acr@${domainA}`,
        groups: ['doctors'],
        acr: 'urn:stand-in:password',
      });
      expect(weak.page.location).toBe('/console/mfa?next=%2Fconsole%2Fstaff');
    } finally {
      await configure(a);
    }
  });

  it.each([
    ['tamper', 'a tampered id_token'],
    ['wrong-audience', 'an id_token for another client'],
    ['expired', 'an expired id_token'],
  ] as const)('refuses %s (%s) and signs nobody in', async (mode, _what) => {
    await idp.misbehave(mode);
    const before = (await auditRows(a)).length;
    const client = new WebClient(app, a.host);
    const { page } = await ssoSignIn(client, { email: `victim@${domainA}`, groups: ['doctors'], mfa: true });
    expect(page.status).toBe(400);
    expect(page.text).toContain('Your identity provider’s answer could not be verified.');
    expect((await client.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
    expect((await auditRows(a)).slice(before)).toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });

  it('refuses an address outside the allowed domains, and a person with no mapped group', async () => {
    const outsider = await ssoSignIn(new WebClient(app, a.host), { email: 'someone@gmail.com', groups: ['doctors'], mfa: true });
    expect(outsider.page.status).toBe(400);
    expect(outsider.page.text).toContain('Your email address is not at a domain this hospital signs staff in with.');
    const roleless = await ssoSignIn(new WebClient(app, a.host), { email: `visitor@${domainA}`, groups: ['cafeteria'], mfa: true });
    expect(roleless.page.status).toBe(400);
    expect(roleless.page.text).toContain('Your identity provider gives you no role at this hospital.');
  });

  it('refuses a replayed redirect, and a redirect begun at another hospital', async () => {
    const client = new WebClient(app, a.host);
    const { page, callback } = await ssoSignIn(client, { email: `replay@${domainA}`, groups: ['doctors'], mfa: true });
    expect(page.status).toBe(303);
    const replayed = await new WebClient(app, a.host).get(`${callback.pathname}${callback.search}`);
    expect(replayed.status).toBe(400);
    expect(replayed.text).toContain('This sign-in has expired or was already used.');
    // Even with the browser's own state cookie, a used state is used.
    client.cookies.set('consilium_sso_state', callback.searchParams.get('state')!);
    expect((await client.get(`${callback.pathname}${callback.search}`)).status).toBe(400);

    // A sign-in left at the IdP past its ten minutes is refused too.
    const slow = new WebClient(app, a.host);
    const begun = await slow.get('/console/sso/start');
    const late = await idp.signIn(begun.location!, { email: `slow@${domainA}`, groups: ['doctors'], mfa: true });
    await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query(`UPDATE sso_sign_in_attempts SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`));
    const expired = await slow.get(`${late.pathname}${late.search}`);
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('This sign-in has expired or was already used.');

    // Hospital B has its own IdP client; a sign-in begun there and brought to A's host (cookie and all) finds nothing.
    await configure(b);
    const atB = new WebClient(app, b.host);
    const started = await atB.get('/console/sso/start');
    const fromB = await idp.signIn(started.location!, { email: `doc@${b.slug}.example.net`, groups: ['doctors'], mfa: true });
    const atA = new WebClient(app, a.host);
    atA.cookies.set('consilium_sso_state', atB.cookies.get('consilium_sso_state')!);
    const crossed = await atA.get(`${fromB.pathname}${fromB.search}`);
    expect(crossed.status).toBe(400);
    expect(crossed.text).toContain('This sign-in has expired or was already used.');
    expect((await atA.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
    // B's settings are B's: A's admin session means nothing on B's host, and B's page shows B's provider only.
    const adminA = new WebClient(app, a.host);
    await signInStaff(adminA, a.people.admin);
    const onB = new WebClient(app, b.host);
    for (const [name, value] of adminA.cookies) onB.cookies.set(name, value);
    expect((await onB.get('/console/settings/sso')).location).toMatch(/^\/console\/sign-in/);
    const settingsB = new WebClient(app, b.host);
    await signInStaff(settingsB, b.people.admin);
    const pageB = await settingsB.get('/console/settings/sso');
    expect(pageB.text).toContain(`${b.slug} Entra`);
    expect(pageB.text).not.toContain(clients.get(a.id)!.clientId);
  });

  it('with single sign-on required, refuses staff passwords except the break-glass admin’s, who still needs TOTP', async () => {
    const refusedWithout = await configure(a, { requireSso: 'yes' });
    expect(refusedWithout.status).toBe(400);
    expect(refusedWithout.text).toContain('Name the break-glass admin before requiring single sign-on');
    expect((await configure(a, { requireSso: 'yes', breakGlassEmail: a.people.admin.email })).status).toBe(303);
    try {
      const coordinator = await new WebClient(app, a.host).submit('/console/sign-in', {
        email: a.people.coordinator.email,
        password: TEST_PASSWORD,
      });
      expect(coordinator.status).toBe(400);
      expect(coordinator.text).toContain('This hospital’s staff sign in with its identity provider.');
      // A wrong password gets the same answer: it tells nothing about the password.
      const wrong = await new WebClient(app, a.host).submit('/console/sign-in', { email: a.people.coordinator.email, password: 'nope' });
      expect(wrong.text).toContain('This hospital’s staff sign in with its identity provider.');

      const breakGlass = new WebClient(app, a.host);
      const first = await breakGlass.submit('/console/sign-in', { email: a.people.admin.email, password: TEST_PASSWORD });
      expect(first.location).toMatch(/^\/console\/mfa/);
      expect((await breakGlass.get('/console')).location).toMatch(/^\/console\/mfa/);
      const second = await breakGlass.submit('/console/mfa', { code: await freshCode(a.people.admin.email, undefined, app) });
      expect(second.status).toBe(303);
      // Hospital B did not require it: its staff still use passwords.
      await signInStaff(new WebClient(app, b.host), b.people.coordinator);
    } finally {
      await configure(a);
    }
  });

  it('says what to fix in a bad configuration, beside the field, keeping what was typed', async () => {
    const unknownIssuer = await configure(a, { issuer: 'http://127.0.0.1:9/nothing-here' });
    expect(unknownIssuer.status).toBe(400);
    expect(unknownIssuer.text).toContain(
      'No OpenID configuration was found at http://127.0.0.1:9/nothing-here/.well-known/openid-configuration.',
    );
    expect(unknownIssuer.text).toContain('value="http://127.0.0.1:9/nothing-here"');
    expect(unknownIssuer.text).not.toContain(clients.get(a.id)!.clientSecret);
    const badMap = await configure(a, { roleMap: 'doctors = surgeon', allowedDomains: 'not a domain' });
    expect(badMap.status).toBe(400);
    expect(badMap.text).toContain('Enter domains like hospital.org, separated by spaces.');
    const badRole = await configure(a, { roleMap: 'doctors = surgeon' });
    expect(badRole.status).toBe(400);
    expect(badRole.text).toContain(
      'This line is not a group &#x3D; role pair with a role of admin, coordinator or physician: doctors &#x3D; surgeon',
    );
    // Only admins configure it.
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console/settings/sso')).status).toBe(403);
  });

  it('takes the provider from the blueprint, with the secret from the environment variable it names', async () => {
    const { clientId, clientSecret } = await registeredFor(b);
    process.env.SSO_E2E_SECRET_B = clientSecret;
    try {
      const sso = {
        oidc: {
          name: 'Blueprint IdP',
          issuer: idp.issuer,
          client_id: clientId,
          client_secret_env: 'SSO_E2E_SECRET_B',
          allowed_domains: [`${b.slug}.example.net`],
          roles: { admins: 'admin' as const },
        },
      };
      const applied = await applyTestBlueprint(app, testBlueprint(b.slug, { sso }));
      expect(applied.changes).toContain(`single sign-on: Blueprint IdP (${idp.issuer})`);
      const client = new WebClient(app, b.host);
      expect((await client.get('/console/sign-in')).text).toContain('Sign in with Blueprint IdP');
      const { page } = await ssoSignIn(client, { email: `it.admin@${b.slug}.example.net`, groups: ['admins'], mfa: true });
      expect(page.location).toBe('/console/staff');
      expect((await client.get('/console/staff')).status).toBe(200);
      // The secret's variable gone from the platform: staff are told what is wrong, and who must fix it.
      delete process.env.SSO_E2E_SECRET_B;
      const refused = await new WebClient(app, b.host).get('/console/sso/start');
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('The client secret’s environment variable SSO_E2E_SECRET_B is not set on the platform.');
      // Exported, the blueprint names the variable, never the secret; A (secret typed in the console) exports none.
      const exported = (await app.get(BlueprintExporter).export(b.slug))!.blueprint;
      expect(exported.sso).toEqual({ oidc: expect.objectContaining({ client_secret_env: 'SSO_E2E_SECRET_B' }) });
      expect(JSON.stringify(exported)).not.toContain(clientSecret);
      expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.sso).toBeUndefined();
    } finally {
      delete process.env.SSO_E2E_SECRET_B;
    }
  });
});
