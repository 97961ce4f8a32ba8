import { Clock, TenantDatabase, Translator } from '@consilium/core';
import { hashPassword } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { createTestCase } from '../support/cases';
import { expectNoLeaks } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { freePort } from '../support/ports';
import { freshCode } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TEST_PASSWORD, TestHospital, TestPerson } from '../support/tenants';
import { launchChromium } from '../support/browser';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Video consult walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'video');

/**
 * Issue #21's video consult in Chromium, in the embedded default (the demo room): the physician publishes a time,
 * the patient pays for a video consult and books it from their case page, both join the room from their case pages
 * and leave it; another patient and a coordinator (who sees the case but is not on the consult) are refused. Each
 * page is checked by axe-core and the leak detector; screenshots land in test/artifacts/video/.
 */
(haveChromium ? describe : describe.skip)('a video consult in a real browser', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let profile: string;
  let port: number;
  let translator: Translator;
  let hospital: TestHospital;
  let step = 0;
  const violations: string[] = [];
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  beforeAll(async () => {
    port = await freePort();
    profile = mkdtempSync(path.join(tmpdir(), 'video-'));
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    translator = app.get(Translator);
    hospital = await createTestHospital(app);
    await app
      .get(TenantDatabase)
      .forTenant(hospital.id, (tx) =>
        tx.query('UPDATE offerings SET video_consult_price_minor = 25000 WHERE tenant_id = $1', [hospital.id]),
      );
    await app.listen({ port, host: '127.0.0.1' });
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const url = (p: string) => `http://${hospital.host}:${port}${p}`;

  async function person(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en', timezoneId: 'Europe/Paris' });
    return context.newPage();
  }

  /** A screenshot, axe-core's verdict (WCAG 2.2 A and AA) and the leak detector's on the page as it stands. */
  async function shot(page: Page, name: string, allow: string[] = []): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const found: { id: string; help: string }[] = await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, help: v.help })))`,
    );
    for (const v of found) violations.push(`${name}: ${v.id} ${v.help}`);
    expectNoLeaks(await page.content(), { locale: 'en', translator, allow: [hospital.name, 'Consilium', ...allow], page: name });
  }

  async function staffSignIn(page: Page, who: TestPerson): Promise<void> {
    await page.goto(url('/console/sign-in'));
    await page.fill('#f-email', who.email);
    await page.fill('#f-password', TEST_PASSWORD);
    await page.click('form:has(#f-password) button[type=submit]');
    await page.waitForURL(/\/console\/mfa/);
    await page.fill('#f-code', await freshCode(who.email, undefined, app));
    await page.click('form:has(#f-code) button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/console/mfa'));
  }

  async function patientSignIn(page: Page, who: TestPerson): Promise<void> {
    await page.goto(url('/sign-in'));
    await page.fill('#f-email', who.email);
    await page.fill('#f-password', TEST_PASSWORD);
    await page.click('form:has(#f-password) button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
  }

  it('the patient pays and books, both join the demo room from their case pages, others are refused', async () => {
    const c = await createTestCase(app, hospital, { state: 'closed' });
    const caseWords = [c.number, `patient ${hospital.slug}`, `physician ${hospital.slug}`];

    // The physician publishes a time a few minutes ahead (by the app's Clock), typed in New York time.
    const physician = await person();
    await staffSignIn(physician, hospital.people.physician);
    await physician.goto(url('/console/reviews'));
    await physician.click('a[href="/console/consults"]');
    const at = new Date(app.get(Clock).now().getTime() + 5 * 60_000);
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    await physician.fill('#f-date', `${parts.year}-${parts.month}-${parts.day}`);
    await physician.fill('#f-time', `${parts.hour}:${parts.minute}`);
    await physician.fill('#f-minutes', '30');
    await physician.selectOption('#f-time_zone', 'America/New_York');
    await physician.click('#publish');
    await physician.waitForURL(/published=1/);
    await shot(physician, 'physician-times');

    // The patient buys the consult from their case page, pays at the demo checkout, then books the time.
    const patient = await person();
    await patientSignIn(patient, hospital.people.patient);
    await patient.goto(url(`/account/cases/${c.id}`));
    await patient.click(`a[href="/account/cases/${c.id}/extras"]`);
    await patient.click('form:has(input[value=video_consult]) button');
    await patient.waitForURL(/\/pay\/demo\//);
    await patient.click('form[action$="/authorize"] button');
    await patient.waitForURL(/\/account\/receipts\//);
    await patient.goto(url(`/account/cases/${c.id}`));
    await patient.click('#consult-link');
    await patient.selectOption('#f-tz', 'Europe/Paris');
    await patient.click('#zone-form button');
    await patient.waitForURL(/tz=Europe/);
    await shot(patient, 'patient-times', caseWords);
    await patient.check('input[name=slot_id]');
    await patient.click('#book');
    await patient.waitForURL(/booked=1/);
    expect(await patient.textContent('#booked')).toContain(translator.t('consults.page.booked', 'en'));
    // Shown in the zone the patient chose, not the physician's.
    expect(await patient.textContent('#booked')).toContain('Europe/Paris');
    await shot(patient, 'patient-booked', caseWords);

    // Both join from their case pages: the patient's request, the physician's consult list.
    await patient.click('#join');
    await patient.waitForSelector('#demo-room');
    await shot(patient, 'patient-room', caseWords);
    await physician.goto(url('/console/consults'));
    await physician.click(`a:has-text("${c.number}")`);
    await physician.click('#join');
    await physician.waitForSelector('#demo-room');
    await shot(physician, 'physician-room', caseWords);
    const joins = await operatorQuery<{ actor_id: string }>(
      app,
      `SELECT actor_id FROM audit_events WHERE tenant_id = $1 AND action = 'consult.join' AND outcome = 'allowed' ORDER BY 1`,
      [hospital.id],
    );
    expect(joins.map((j) => j.actor_id).sort()).toEqual([hospital.people.patient.id, hospital.people.physician.id].sort());
    await patient.click('#leave');
    await patient.waitForURL(/left=1/);

    // Another patient of the hospital: not found. A coordinator sees the consult's page but has no way in.
    const otherEmail = `other.${hospital.slug}@example.org`;
    await app
      .get(TenantDatabase)
      .forTenant(hospital.id, async (tx) =>
        tx.query(
          `INSERT INTO accounts (tenant_id, kind, email, name, password_hash, email_verified_at) VALUES ($1, 'patient', $2, 'Other', $3, now())`,
          [hospital.id, otherEmail, await hashPassword(TEST_PASSWORD)],
        ),
      );
    const stranger = await person();
    await patientSignIn(stranger, { id: '', email: otherEmail });
    const refused = await stranger.goto(url(`/account/cases/${c.id}/consult`));
    expect(refused!.status()).toBe(404);
    await shot(stranger, 'other-patient-refused');

    const coordinator = await person();
    await staffSignIn(coordinator, hospital.people.coordinator);
    await coordinator.goto(url(`/console/consults/cases/${c.id}`));
    expect(await coordinator.locator('#join').count()).toBe(0);
    // Sent anyway (the page's own form, pointed at the room): the same 404 as a stranger, and audited.
    const [answer] = await Promise.all([
      coordinator.waitForResponse((r) => r.url().endsWith('/join')),
      coordinator.evaluate((caseId) => {
        const form = document.querySelector<HTMLFormElement>('form[action$="/interpreter"]')!;
        form.action = `/console/consults/cases/${caseId}/join`;
        form.submit();
      }, c.id),
    ]);
    expect(answer.status()).toBe(404);
    await coordinator.waitForLoadState();
    await shot(coordinator, 'coordinator-refused');
    const denied = await operatorQuery<{ actor_id: string }>(
      app,
      `SELECT actor_id FROM audit_events WHERE tenant_id = $1 AND action = 'consult.join' AND outcome = 'denied'`,
      [hospital.id],
    );
    expect(denied.map((d) => d.actor_id)).toEqual([hospital.people.coordinator.id]);
    expect(violations).toEqual([]);
  });
});
