import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { todayIn } from '@consilium/core';
import { createTestCase, TestCase } from '../support/cases';
import { freePort } from '../support/ports';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`ROI walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);
const ARTIFACTS = path.join(__dirname, '..', 'artifacts', 'roi');

/**
 * Issue 25 in a real browser: a patient reads the delivered opinion and asks for an appointment (a refused form
 * first), the coordinator finds the request in the console and books it, and the analytics page opens on a summary
 * whose conversions count it. Screenshots of each step under test/artifacts/roi/.
 */
(haveChromium ? describe : describe.skip)('a visit booked from the opinion, counted in analytics (Chromium)', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let a: TestHospital;
  let delivered: TestCase;
  const profile = mkdtempSync(path.join(tmpdir(), 'roi-'));

  async function as(who: 'patient' | 'coordinator' | 'admin'): Promise<{ context: BrowserContext; page: Page }> {
    const client = new WebClient(app, a.host);
    if (who === 'patient') await signInPatient(client, a.people.patient);
    else await signInStaff(client, a.people[who]);
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies(
      client
        .cookieHeader()
        .split('; ')
        .map((pair) => {
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: `http://${a.host}:${port}` };
        }),
    );
    return { context, page: await context.newPage() };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app, { locales: ['en', 'es', 'fr'], default_locale: 'en' });
    delivered = await createTestCase(app, a, { state: 'delivered' });
    await app.listen({ port, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP *.localhost 127.0.0.1`,
      ],
    });
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('the patient asks, the coordinator books, the summary counts the conversion', async () => {
    const url = (p: string) => `http://${a.host}:${port}${p}`;

    // The patient, from the opinion.
    const patient = await as('patient');
    await patient.page.goto(url(`/account/cases/${delivered.id}/opinion`));
    const ask = patient.page.locator('[data-appointment] a.button');
    await ask.scrollIntoViewIfNeeded();
    await shot(patient.page, '1-opinion-offers-an-appointment');
    await ask.click();
    await patient.page.waitForURL(`**/account/cases/${delivered.id}/appointment`);
    await patient.page.check('#f-times-weekday_morning');
    await patient.page.click('form[action$="/appointment"] button[type="submit"]');
    // Refused: the reason is missing, the chosen time is kept.
    await patient.page.locator('#f-reason-error').waitFor();
    expect(await patient.page.isChecked('#f-times-weekday_morning')).toBe(true);
    await shot(patient.page, '2-appointment-refused-beside-the-field');
    await patient.page.check('#f-reason-discuss_opinion');
    await patient.page.check('#f-times-saturday');
    await patient.page.click('form[action$="/appointment"] button[type="submit"]');
    await patient.page.waitForURL('**/appointment?sent=1');
    expect(await patient.page.getAttribute('[data-referral-state]', 'data-referral-state')).toBe('requested');
    await shot(patient.page, '3-appointment-requested');

    // The coordinator books it.
    const coordinator = await as('coordinator');
    await coordinator.page.goto(url('/console/referrals'));
    const row = coordinator.page.locator('tr[data-task]').first();
    expect(await row.locator('th').innerText()).toBe(delivered.number);
    await shot(coordinator.page, '4-console-appointment-requests');
    await row.locator('select[name="state"]').selectOption('booked');
    await row.locator('select[name="kind"]').selectOption('consult_booked');
    await row.locator('input[name="occurred_on"]').fill(todayIn('America/New_York'));
    await row.locator('input[name="value"]').fill('350.00');
    await row.locator('button[type="submit"]').click();
    await coordinator.page.waitForURL('**/console/referrals?moved=booked*');
    expect(await coordinator.page.locator('tr[data-task] td[data-state]').first().getAttribute('data-state')).toBe('booked');

    // The admin's analytics opens on the summary, which counts the conversion.
    const admin = await as('admin');
    await admin.page.goto(url('/console/analytics'));
    const conversions = admin.page.locator('[data-figure="conversions"] strong');
    expect(await conversions.innerText()).toBe('1');
    expect(await admin.page.locator('[data-figure="requests"] strong').innerText()).toBe('1');
    await shot(admin.page, '5-analytics-summary-counts-the-conversion');
    await admin.page.locator('#table-money').scrollIntoViewIfNeeded();
    await shot(admin.page, '6-contribution-statement');
    for (const c of [patient, coordinator, admin]) await c.context.close();
  });
});
