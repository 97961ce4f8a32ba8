import { Translator } from '@consilium/core';
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
import {
  applyTestBlueprint,
  createTestHospital,
  createTestTranslator,
  TEST_PASSWORD,
  testBlueprint,
  TestHospital,
  TestPerson,
} from '../support/tenants';
import { launchChromium } from '../support/browser';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Translated opinion walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'translated-opinion');

/** What the physician writes in English, and what the translator writes in Spanish over the demo's draft. */
const OPINION = {
  summary: 'Your cancer is treatable; start with medicine, then surgery.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  answer: 'Yes, after chemotherapy.',
};
const SPANISH = {
  summary: 'Su cáncer es tratable; empiece con medicamentos y después cirugía.',
  recommendations: 'Quimioterapia neoadyuvante antes de la cirugía.',
  answer: 'Sí, después de la quimioterapia.',
};

/**
 * Issue #18's "done when" in Chromium, in the embedded default (the demo translation provider): an English physician
 * signs, the hospital's translator replaces the demo draft with Spanish and releases it, and the Spanish-reading
 * patient reads both versions. Each page is checked by axe-core and the leak detector; screenshots land in
 * test/artifacts/translated-opinion/.
 */
(haveChromium ? describe : describe.skip)('a translated opinion in a real browser', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let profile: string;
  let port: number;
  let translator: Translator;
  let hospital: TestHospital;
  let translatorPerson: TestPerson;
  let step = 0;
  const violations: string[] = [];
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  beforeAll(async () => {
    port = await freePort();
    profile = mkdtempSync(path.join(tmpdir(), 'translated-'));
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    translator = app.get(Translator);
    hospital = await createTestHospital(app, { locales: ['en', 'es'], default_locale: 'en' });
    const blueprint = testBlueprint(hospital.slug, { locales: ['en', 'es'], default_locale: 'en' });
    const [offering] = blueprint.offerings!;
    offering.add_ons = [
      ...(offering.add_ons ?? []),
      { code: 'translation', name: { en: 'Opinion in your language', es: 'Opinión en su idioma' }, price: '200.00', translation: true },
    ];
    await applyTestBlueprint(app, blueprint);
    translatorPerson = await createTestTranslator(app, hospital);
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

  /** A screenshot, axe-core's verdict (WCAG 2.2 A and AA) and the leak detector's on the page as it stands. */
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

  it('the physician signs in English, the translator releases Spanish, the patient reads both', async () => {
    const c = await createTestCase(app, hospital, { state: 'in_review', addOns: ['translation'], locale: 'es' });

    // The physician writes and signs in English.
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
    const [{ state }] = await operatorQuery<{ state: string }>(app, 'SELECT state FROM cases WHERE id = $1', [c.id]);
    expect(state).toBe('opinion_signed');

    // The translator, in Spanish: the queue, the demo draft (the original, said so), then the Spanish released.
    const reviewer = await person('es');
    await staffSignIn(reviewer, translatorPerson);
    await reviewer.click(`nav a[href="/console/translations"]`);
    await shot(reviewer, 'translator-queue', 'es', [c.number]);
    await reviewer.click(`a:has-text("${c.number}")`);
    await reviewer.waitForSelector('#f-recommendations-input');
    expect(await reviewer.textContent('.notice')).toContain(translator.t('opinions.translation.draftBy.demo', 'es'));
    await shot(reviewer, 'translator-workspace', 'es', [c.number, ...Object.values(OPINION), 'Is the proposed treatment right for me?']);
    await reviewer.fill('#f-patient_summary-input', SPANISH.summary);
    await reviewer.fill('#f-recommendations-input', SPANISH.recommendations);
    await reviewer.fill('#f-answer_0-input', SPANISH.answer);
    await reviewer.click('button[formaction$="/release"]');
    await reviewer.waitForURL(/released=1/);
    await shot(reviewer, 'translator-released', 'es', [c.number, ...Object.values(OPINION), 'Is the proposed treatment right for me?']);

    // The patient reads the Spanish translation first, then the signed English original.
    const patient = await person('es');
    await patient.goto(url('/sign-in'));
    await patient.fill('#f-email', hospital.people.patient.email);
    await patient.fill('#f-password', TEST_PASSWORD);
    await patient.click('form:has(#f-password) button[type=submit]');
    await patient.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await patient.goto(url(`/account/cases/${c.id}/opinion`));
    const text = (await patient.textContent('main')) ?? '';
    expect(text.indexOf(SPANISH.recommendations)).toBeGreaterThan(-1);
    expect(text.indexOf(SPANISH.recommendations)).toBeLessThan(text.indexOf(OPINION.recommendations));
    expect(await patient.getAttribute('#original', 'lang')).toBe('en');
    await shot(patient, 'patient-opinion', 'es', [
      c.number,
      ...Object.values(OPINION),
      ...Object.values(SPANISH),
      `physician ${hospital.slug}`,
      // The letter is signed with the roster physician's name (the test roster's "Doctor <suffix>").
      `Doctor ${hospital.slug.replace(/^t-/, '')}`,
      `translator ${hospital.slug}`,
      `patient ${hospital.slug}`,
      'Is the proposed treatment right for me?',
    ]);
    expect(violations).toEqual([]);
  });
});
