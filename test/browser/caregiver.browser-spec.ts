import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { advanceTestCase } from '../support/cases';
import { freePort } from '../support/ports';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';
import { launchChromium } from '../support/browser';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Caregiver walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);
const SHOTS = path.join(__dirname, '..', 'artifacts', 'caregiver');
const PHONE = { width: 375, height: 740 };

/**
 * A parent asks for a second opinion for their child on a phone (375 CSS pixels): "My child", the child's details
 * and the parent's attestation on the questions step, the consents, the price, the demo card; then the physician
 * the case is assigned to reads the child's age and sex. Screenshots of each step under test/artifacts/caregiver/,
 * and axe-core's verdict (WCAG 2.2 AA) on each page shot.
 */
(haveChromium ? describe : describe.skip)('a parent requests for a child on a phone, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let a: TestHospital;
  let step = 0;
  const profile = mkdtempSync(path.join(tmpdir(), 'caregiver-'));
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const violations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app, { locales: ['en', 'es', 'fr'], default_locale: 'en' });
    await app.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  const url = (p: string) => `http://${a.host}:${port}${p}`;

  /** A phone's browser already signed in as `client` (the sign-in itself is other suites' subject). */
  async function phoneOf(client: WebClient): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    await context.addCookies(
      client
        .cookieHeader()
        .split('; ')
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: url('/') };
        }),
    );
    return { context, page: await context.newPage() };
  }

  async function shot(page: Page, name: string): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const found: { id: string; nodes: number }[] = await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.length })))`,
    );
    for (const v of found) violations.push(`${name}: ${v.id} (${v.nodes})`);
    // WCAG 1.4.10: nothing wider than the phone.
    expect({ name, width: await page.evaluate<number>('document.documentElement.scrollWidth') }).toEqual({ name, width: PHONE.width });
  }

  /** One phone screen from `selector` down (the README's pictures: small, the part that matters). */
  async function screen(page: Page, name: string, selector: string): Promise<void> {
    await page.evaluate(`document.querySelector(${JSON.stringify(selector)}).scrollIntoView()`);
    await page.screenshot({ path: path.join(SHOTS, `screen-${name}.png`) });
  }

  it('asks who the request is for, takes the parent’s attestation, and shows the physician the child’s age and sex', async () => {
    const signedIn = new WebClient(app, a.host);
    await signInPatient(signedIn, a.people.patient);
    const { page: parent } = await phoneOf(signedIn);
    const child = `Noah Walker-${randomUUID().slice(0, 4)}`;
    const [y, m, d] = new Date().toISOString().slice(0, 10).split('-').map(Number);
    const birthDate = new Date(Date.UTC(y - 6, m - 1, d - 40)).toISOString().slice(0, 10);

    await parent.goto(url(`/start?offering=${a.offeringSlug}`));
    await parent.selectOption('#f-jurisdiction', 'US-NY');
    await parent.click('button:has-text("Continue")');
    await parent.waitForURL(/\/start\/plan/);
    await parent.click('button:has-text("Continue")');
    await parent.waitForURL(/\/start\/[0-9a-f-]{36}\/details/);
    const caseId = /\/start\/([0-9a-f-]{36})\//.exec(parent.url())![1];

    // For oneself, nothing about someone else is asked; "My child" asks it, with the parent's attestation only.
    expect(await parent.isVisible('#f-patient_name')).toBe(false);
    await parent.check('#f-for_whom-child');
    expect(await parent.isVisible('#f-patient_name')).toBe(true);
    expect(await parent.isVisible('#f-proxy_guardian')).toBe(true);
    expect(await parent.isVisible('#f-proxy_authorization')).toBe(false);
    // Without the attestation the page comes back saying so beside the box, the rest as typed.
    await parent.fill('#f-patient_name', child);
    await parent.selectOption('#f-relationship', 'parent');
    await parent.fill('#f-birth_date', birthDate);
    await parent.check('#f-sex_at_birth-male');
    await parent.selectOption('#f-preferred_language', 'es');
    await parent.fill('#f-question-1', 'Does the murmur need surgery or can we wait?');
    await parent.fill('#f-diagnosis', 'Heart murmur, small ventricular septal defect');
    await shot(parent, 'details-for-my-child');
    await parent.click('button:has-text("Save and continue")');
    await parent.waitForSelector('#f-proxy_guardian-error');
    expect(await parent.inputValue('#f-patient_name')).toBe(child);
    await shot(parent, 'details-attestation-missing');
    await screen(parent, 'who-for', '#f-for_whom');
    await parent.check('#f-proxy_guardian');
    await parent.click('button:has-text("Save and continue")');
    await parent.waitForURL(/\/consents$/);
    for (const box of await parent.locator('input[type=checkbox][name^=consent_]').all()) await box.check();
    await parent.click('button:has-text("Agree and continue")');
    await parent.waitForURL(/\/review$/);
    await parent.check('#in-accept');
    await parent.click('button:has-text("Send my request")');
    await parent.waitForURL(/\/pay\/demo\//);
    await shot(parent, 'demo-checkout');
    await parent.click('button:has-text("Authorize")');
    await parent.waitForURL(/\/account\/receipts\//);
    await parent.goto(url(`/account/cases/${caseId}`));
    expect(await parent.textContent('#patient-name')).toBe(child);
    await shot(parent, 'parent-case-page');

    // Triage and assignment as the product does them; then the physician opens the case on their phone.
    await advanceTestCase(app, a, { id: caseId, number: '', state: 'submitted' }, 'assigned');
    const staff = new WebClient(app, a.host);
    await signInStaff(staff, a.people.physician);
    const { page: physician } = await phoneOf(staff);
    await physician.goto(url(`/console/reviews/${caseId}`));
    expect(await physician.textContent('#subject-name')).toBe(child);
    expect(await physician.textContent('#subject-age')).toMatch(/^6 years/);
    expect(await physician.textContent('#subject-sex')).toBe('Male');
    expect(await physician.textContent('#subject-language')).toBe('Spanish');
    await shot(physician, 'physician-sees-age-and-sex');
    await screen(physician, 'physician', '#case-title');
    expect(violations).toEqual([]);
  });
});
