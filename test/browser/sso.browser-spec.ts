import { AppConfig, TenantDatabase, Translator } from '@consilium/core';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoAccounts } from '@consilium/identity';
import { BlueprintCatalog } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { expectNoLeaks } from '../support/leak-detector';
import { OidcStandIn, startOidcStandIn } from '../support/oidc-stand-in';
import { operatorQuery } from '../support/payments';
import { freePort } from '../support/ports';
import { freshCode } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SSO walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'sso');
const HOST = 'lakeshore.localhost';

/**
 * Single sign-on in Chromium on the demo hospital Lakeshore: its admin connects the hospital's OpenID provider (a
 * real oidc-provider on loopback) in the console, then a physician nobody created in the platform signs in with
 * "Sign in with ...", passes the provider's own sign-in page and lands in the console with the mapped role.
 */
(haveChromium ? describe : describe.skip)('staff single sign-on in a real browser', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let idp: OidcStandIn;
  let profile: string;
  let port: number;
  let step = 0;

  const url = (p: string) => `http://${HOST}:${port}${p}`;
  const shot = async (page: Page, name: string) => {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
  const person = async () => (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();

  beforeAll(async () => {
    port = await freePort();
    profile = mkdtempSync(path.join(tmpdir(), 'sso-walk-'));
    idp = await startOidcStandIn();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    await app.get(BlueprintCatalog).apply(['lakeshore']);
    await app.get(DemoAccounts).ensure(['lakeshore']);
    await app.listen({ port, host: '127.0.0.1' });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--host-resolver-rules=MAP *.localhost 127.0.0.1',
      ],
    });
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await idp?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('the admin connects the IdP; a physician signs in through it, just in time, with the IdP’s MFA', async () => {
    const client = await idp.register(`${app.get(AppConfig).originFor(HOST)}/console/sso/callback`);

    // The admin: password and TOTP, then Single sign-on in the console's menu.
    const admin = await person();
    await admin.goto(url('/console/sign-in'));
    await admin.fill('#f-email', 'admin@lakeshore.example');
    await admin.fill('#f-password', DEMO_PASSWORD);
    await admin.click('form:has(#f-password) button[type=submit]');
    await admin.waitForURL(/\/console\/mfa/);
    await admin.fill('#f-code', await freshCode('admin@lakeshore.example', DEMO_TOTP_SECRET, app));
    await admin.click('form:has(#f-code) button[type=submit]');
    await admin.waitForURL((u) => !u.pathname.startsWith('/console/mfa'));
    await admin.click('a[href="/console/settings/sso"]');
    await admin.fill('#f-displayName', 'Lakeshore Entra');
    await admin.fill('#f-issuer', idp.issuer);
    await admin.fill('#f-clientId', client.clientId);
    await admin.fill('#f-clientSecret', client.clientSecret);
    await admin.fill('#f-allowedDomains', 'staff.lakeshore.example');
    await admin.fill('#f-roleMap', 'doctors = physician\ncare-team = coordinator');
    await shot(admin, 'admin-fills-sso');
    await admin.click('form[action="/console/settings/sso"] button[type=submit]');
    await admin.waitForURL(/saved=1/);
    await shot(admin, 'admin-saved');
    const settings = await admin.content();
    expect(settings).toContain('Single sign-on is saved.');
    expect(settings).not.toContain(client.clientSecret);

    // A physician the platform has never seen: the button, the IdP's page, back in the console.
    const physician = await person();
    await physician.goto(url('/console/sign-in'));
    await shot(physician, 'sign-in-with-button');
    await physician.click('text=Sign in with Lakeshore Entra');
    await physician.waitForURL((u) => u.origin === idp.issuer);
    await physician.fill('input[name=email]', 'dr.rivera@staff.lakeshore.example');
    await physician.fill('input[name=groups]', 'doctors');
    await shot(physician, 'at-the-idp');
    await physician.click('button[type=submit]');
    await physician.waitForURL((u) => u.host === `${HOST}:${port}` && u.pathname === '/console');
    await shot(physician, 'signed-in');
    expect(await physician.textContent('body')).toContain('Sign out');
    const [tenant] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM tenants WHERE slug = $1', ['lakeshore']);
    const roles = await app
      .get(TenantDatabase)
      .forTenant(tenant.id, (tx) =>
        tx.query(
          `SELECT r.role FROM accounts a JOIN staff_roles r ON r.tenant_id = a.tenant_id AND r.account_id = a.id WHERE a.email = $1`,
          ['dr.rivera@staff.lakeshore.example'],
        ),
      );
    expect(roles).toEqual([{ role: 'physician' }]);

    // The sign-in page in Spanish says the button in Spanish, with only the IdP's name as data.
    const reader = await (await browser.newContext({ locale: 'es-ES', extraHTTPHeaders: { 'accept-language': 'es' } })).newPage();
    await reader.goto(url('/console/sign-in'));
    await shot(reader, 'sign-in-es');
    expectNoLeaks(await reader.content(), {
      locale: 'es',
      translator: app.get(Translator),
      allow: ['Lakeshore Entra', 'Lakeshore Medical Center'],
    });
  });
});
