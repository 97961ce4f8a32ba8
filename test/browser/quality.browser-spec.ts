import { AppConfig, Translator } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, Page } from 'playwright-core';
import { createTestCase } from '../support/cases';
import { expectNoLeaks } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { certificateOf, verifyWithOpenssl } from '../support/pdf-signature';
import { freePort } from '../support/ports';
import { freshCode } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import {
  applyTestBlueprint,
  createTestHospital,
  createTestStaffMember,
  TEST_PASSWORD,
  testBlueprint,
  TestHospital,
  TestPerson,
} from '../support/tenants';
import { launchChromium } from '../support/browser';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Quality check walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'quality');

const OPINION = {
  summary: 'Your cancer is treatable; start with medicine, then surgery.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  answer: 'Yes, after chemotherapy.',
};
const COMMENT = 'Name the chemotherapy regimen and how long it lasts.';
const AMENDED = 'Neoadjuvant AC-T chemotherapy for 16 weeks, then surgery.';

/**
 * Issue #22's quality check in Chromium: the physician signs, the medical director returns the opinion once with a
 * comment, the physician amends and signs again, the director approves, the patient reads the opinion and downloads
 * a letter whose signature OpenSSL verifies. Each page is checked by axe-core and the leak detector; screenshots land
 * in test/artifacts/quality/.
 */
(haveChromium ? describe : describe.skip)('the quality check in a real browser', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let profile: string;
  let port: number;
  let translator: Translator;
  let hospital: TestHospital;
  let director: TestPerson;
  let step = 0;
  const violations: string[] = [];
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  beforeAll(async () => {
    port = await freePort();
    profile = mkdtempSync(path.join(tmpdir(), 'quality-'));
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    translator = app.get(Translator);
    hospital = await createTestHospital(app, { locales: ['en', 'es'], default_locale: 'en' });
    await applyTestBlueprint(
      app,
      testBlueprint(hospital.slug, { locales: ['en', 'es'], default_locale: 'en', quality_check: 'medical_director' }),
    );
    director = await createTestStaffMember(app, hospital, 'medical_director');
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

  async function person(locale: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
    await context.addCookies([{ name: 'lang', value: locale, url: url('/') }]);
    return context.newPage();
  }

  async function shot(page: Page, name: string, locale: string, allow: string[]): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const found: { id: string; help: string }[] = await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, help: v.help })))`,
    );
    for (const v of found) violations.push(`${name}: ${v.id} ${v.help}`);
    expectNoLeaks(await page.content(), { locale, translator, allow: [hospital.name, 'Consilium', ...allow], page: name });
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

  it('the director returns the opinion once, the physician amends and re-signs, the director approves, the patient has a signed letter', async () => {
    const c = await createTestCase(app, hospital, { state: 'in_review' });
    const [facts] = await operatorQuery<{ diagnosis: string; proposed_treatment: string }>(
      app,
      'SELECT diagnosis, proposed_treatment FROM cases WHERE id = $1',
      [c.id],
    );
    // What the patient wrote and the physician answered is data on every page.
    const data = [
      c.number,
      facts.diagnosis,
      facts.proposed_treatment,
      ...Object.values(OPINION),
      AMENDED,
      COMMENT,
      'Is the proposed treatment right for me?',
    ].filter((d): d is string => !!d);
    const names = [`physician ${hospital.slug}`, `medical_director ${hospital.slug}`, `patient ${hospital.slug}`];

    const physician = await person('en');
    await staffSignIn(physician, hospital.people.physician);
    await physician.goto(url(`/console/reviews/${c.id}`));
    await physician.check('input[name=diagnosis_agreement][value=confirmed]');
    await physician.check('input[name=treatment_changed][value=yes]');
    await physician.fill('#f-recommendations-input', OPINION.recommendations);
    await physician.fill('#f-patient_summary-input', OPINION.summary);
    await physician.fill('#f-answer-0', OPINION.answer);
    await physician.fill('#f-code', await freshCode(hospital.people.physician.email, undefined, app));
    await physician.click('button[formaction$="/sign"]');
    await physician.waitForURL(/signed=1/);
    expect(await physician.textContent('#in-check')).toContain(translator.t('opinions.quality.waiting', 'en', { version: 1 }).slice(0, 30));

    // The director, in Spanish: the queue, the opinion beside the case, returned once with a comment.
    const reviewer = await person('es');
    await staffSignIn(reviewer, director);
    await reviewer.click('nav a[href="/console/quality"]');
    await shot(reviewer, 'director-queue', 'es', [...data, ...names]);
    await reviewer.click(`a:has-text("${c.number}")`);
    await reviewer.waitForSelector('#f-comment-input');
    await shot(reviewer, 'director-check', 'es', [...data, ...names]);
    await reviewer.fill('#f-comment-input', COMMENT);
    await reviewer.click('button[formaction$="/return"]');
    await reviewer.waitForURL(/returned=1/);

    // The physician reads the comment, amends and signs again.
    await physician.goto(url(`/console/reviews/${c.id}`));
    expect(await physician.textContent('#checks')).toContain(COMMENT);
    await shot(physician, 'physician-returned', 'en', [...data, ...names]);
    await physician.fill('#f-recommendations-input', AMENDED);
    await physician.fill('#f-code', await freshCode(hospital.people.physician.email, undefined, app));
    await physician.click('button[formaction$="/sign"]');
    await physician.waitForURL(/signed=1/);

    // Approved: delivered.
    await reviewer.goto(url('/console/quality'));
    await reviewer.click(`a:has-text("${c.number}")`);
    await reviewer.waitForSelector('#f-comment-input');
    expect(await reviewer.textContent('main')).toContain(AMENDED);
    await reviewer.click('form[action$="/approve"] button:not([formaction])');
    await reviewer.waitForURL(/approved=1/);
    const [{ state }] = await operatorQuery<{ state: string }>(app, 'SELECT state FROM cases WHERE id = $1', [c.id]);
    expect(state).toBe('delivered');

    // The patient reads the amended opinion, without the director's comment, and downloads the signed letter.
    const patient = await person('en');
    await patient.goto(url('/sign-in'));
    await patient.fill('#f-email', hospital.people.patient.email);
    await patient.fill('#f-password', TEST_PASSWORD);
    await patient.click('form:has(#f-password) button[type=submit]');
    await patient.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await patient.goto(url(`/account/cases/${c.id}/opinion`));
    const text = (await patient.textContent('main')) ?? '';
    expect(text).toContain(AMENDED);
    expect(text).not.toContain(COMMENT);
    expect(await patient.textContent('#letter-signed')).toBe(translator.t('opinions.portal.signedLetter', 'en'));
    await shot(patient, 'patient-opinion', 'en', [...data, ...names, `Doctor ${hospital.slug.replace(/^t-/, '')}`]);
    // Downloaded as a person would: the button, then the file the browser saved.
    const [download] = await Promise.all([patient.waitForEvent('download'), patient.click('a[href$="/opinion/letter.pdf"]')]);
    const pdf = readFileSync(await download.path());
    expect(verifyWithOpenssl(pdf, certificateOf(app.get(AppConfig).letterSigningKey.p12)).valid).toBe(true);
    expect(violations).toEqual([]);
  }, 180000);
});
