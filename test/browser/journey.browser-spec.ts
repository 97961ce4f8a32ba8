import { Translator } from '@consilium/core';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoAccounts } from '@consilium/identity';
import { placeOptions } from '@consilium/intake';
import { BlueprintCatalog } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { expectNoLeaks } from '../support/leak-detector';
import { eventually } from '../support/eventually';
import { operatorQuery } from '../support/payments';
import { peExecutable } from '../support/hostile-files';
import { freePort } from '../support/ports';
import { verificationPath } from '../support/sign-up';
import { freshCode } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Browser journey skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'journey');
const DICOM = path.join(__dirname, '..', 'fixtures', 'dicom', 'CT1_UNC.explicit_little_endian.dcm');
const A = 'lakeshore.localhost';
const B = 'meridian.localhost';
const TENANTS = path.join(__dirname, '..', '..', 'tenants');

/**
 * A patient who reads another language, on the demo hospital whose blueprint offers it (meridian's also offers
 * French). `typed` and `program` are what the patient writes and sends, shown back to them as data.
 */
const WALKS = [
  {
    locale: 'es',
    host: A,
    slug: 'lakeshore',
    jurisdiction: 'US-IL',
    name: 'Lucía Camino',
    program: 'instalador.exe',
    typed: ['¿Es la quimioterapia antes de la cirugía el orden correcto?', 'Cáncer de mama en estadio II', 'Quimioterapia y luego cirugía'],
  },
  {
    locale: 'fr',
    host: B,
    slug: 'meridian',
    jurisdiction: 'US-AZ',
    name: 'Élise Chemin',
    program: 'installateur.exe',
    typed: ['La chimiothérapie avant la chirurgie est-elle le bon ordre ?', 'Cancer du sein de stade II', 'Chimiothérapie puis chirurgie'],
  },
];

/**
 * The whole product in Chromium, as people use it: a patient from a campaign link through intake, records and
 * payment on hospital A; the coordinator, the physician and the admin of A; then hospital B, which sees none of it.
 * Every step leaves a screenshot in test/artifacts/journey/.
 */
(haveChromium ? describe : describe.skip)('the whole journey in a real browser', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let profile: string;
  let port: number;
  let step = 0;
  const patientEmail = `journey.${Date.now()}@patients.example`;

  beforeAll(async () => {
    port = await freePort();
    profile = mkdtempSync(path.join(tmpdir(), 'journey-'));
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
    await app.get(DemoAccounts).ensure(['lakeshore', 'meridian']);
    await app.listen({ port, host: '127.0.0.1' });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // *.localhost resolves to this machine in Chromium itself; the rule keeps it so whatever the resolver says.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        `--host-resolver-rules=MAP *.localhost 127.0.0.1`,
      ],
    });
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const url = (host: string, p: string) => `http://${host}:${port}${p}`;
  /** Each person has a browser of their own (their own cookies). */
  // A person's browser, not a headless one: attribution ignores user agents that say they are robots.
  const person = async () =>
    (
      await browser.newContext({
        viewport: { width: 1280, height: 900 },
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      })
    ).newPage();

  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const violations: string[] = [];

  /** A screenshot of the step, and axe-core's verdict on the page as it stands (WCAG 2.2 A and AA). */
  async function shot(page: Page, name: string): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
    await page.evaluate(axeSource);
    const found: { id: string; help: string; nodes: number }[] = await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length })))`,
    );
    for (const v of found) violations.push(`${name} ${new URL(page.url()).pathname}: ${v.id} (${v.nodes}) ${v.help}`);
  }

  /** The link of the sign-up's confirmation email, as the patient opens it from their mailbox. */
  async function confirmationLink(host: string, email: string): Promise<string> {
    const [tenant] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM tenants WHERE slug = $1', [host.split('.')[0]]);
    const found = await eventually(async () => {
      const link = await verificationPath(app, tenant.id, email);
      if (!link) throw new Error(`no confirmation email for ${email}`);
      return link;
    });
    return url(host, found);
  }

  async function staffSignIn(page: Page, host: string, role: string): Promise<void> {
    const email = `${role}@${host.split('.')[0]}.example`;
    await page.goto(url(host, '/console/sign-in'));
    await page.fill('#f-email', email);
    await page.fill('#f-password', DEMO_PASSWORD);
    await page.click('form:has(#f-password) button[type=submit]');
    await page.waitForURL(/\/console\/mfa/);
    await page.fill('#f-code', await freshCode(email, DEMO_TOTP_SECRET, app));
    await page.click('form:has(#f-code) button[type=submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/console/mfa'));
    if (!page.url().match(/\/console\/?$/))
      throw new Error(
        `${email} did not reach the console: ${page.url()}\n${(await page.content())
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 600)}`,
      );
  }

  /**
   * The hospital's own content: every text its blueprint gives in `locale`, and the proper names it writes in no
   * language (people, sponsors, its address). Nothing else untranslated is let through (its emails' sender name,
   * fonts), so such words cannot hide a leak.
   */
  function hospitalData(slug: string, locale: string): string[] {
    const names = new Set(['name', 'credentials', 'address', 'logo_alt', 'sponsor', 'author']);
    const out: string[] = [];
    const collect = (v: unknown, key: string): void => {
      if (typeof v === 'string') {
        if (names.has(key)) out.push(v);
      } else if (Array.isArray(v)) v.forEach((item) => collect(item, key));
      else if (v && typeof v === 'object') {
        const entries = Object.entries(v);
        const localized = entries.length > 0 && entries.every(([k]) => /^[a-z]{2}(-[A-Z]{2})?$/.test(k));
        if (localized) {
          const text = (v as Record<string, unknown>)[locale];
          if (typeof text === 'string') out.push(text);
        } else for (const [k, item] of entries) collect(item, k);
      }
    };
    collect(parseYaml(readFileSync(path.join(TENANTS, slug, 'tenant.yaml'), 'utf8')), '');
    return out;
  }

  it('walks patient, coordinator, physician and admin through one case on hospital A, and shows hospital B none of it', async () => {
    const patient = await person();
    // 1. From a campaign link to a specialty and a physician.
    await patient.goto(url(A, '/?utm_source=newsletter&utm_medium=email&utm_campaign=journey-test'));
    await shot(patient, 'patient-landing');
    await patient.goto(url(A, '/specialties/oncology'));
    await shot(patient, 'patient-specialty');
    await patient.goto(url(A, '/physicians/amara-okafor'));
    await shot(patient, 'patient-physician');

    // 2. Intake: what and where, the plan, an account, the questions, the consents, the price.
    await patient.goto(url(A, '/start?specialty=oncology'));
    await patient.selectOption('#f-jurisdiction', 'US-IL');
    await shot(patient, 'intake-choice');
    await patient.click('button:has-text("Continue")');
    await patient.waitForURL(/\/start\/plan/);
    await shot(patient, 'intake-plan');
    await patient.click('a:has-text("Create an account")');
    await patient.fill('#f-name', 'Jordan Journey');
    await patient.fill('#f-email', patientEmail);
    await patient.fill('#f-password', 'a long journey password 2026');
    await patient.check('#f-terms');
    await patient.click('form[action="/sign-up"] button[type=submit]');
    // "Check your email": the link in it confirms the address, signs the patient in, and goes back to the plan.
    await patient.waitForSelector('#check-title');
    await patient.goto(await confirmationLink(A, patientEmail));
    await patient.click('form[action^="/verify-email/"] button');
    await patient.waitForURL(/\/start\/plan/);
    await patient.click('button:has-text("Continue")');
    await patient.waitForURL(/\/start\/[0-9a-f-]{36}\/details/);
    const caseId = /\/start\/([0-9a-f-]{36})\//.exec(patient.url())![1];
    await patient.fill('#f-question-1', 'Is chemotherapy before surgery the right order for me?');
    await patient.fill('#f-diagnosis', 'Stage II breast cancer');
    await patient.fill('#f-proposed_treatment', 'Neoadjuvant chemotherapy, then surgery');
    for (const input of await patient.locator('input[type=date][name^=answer_]').all()) await input.fill('2026-10-01');
    for (const group of await patient.locator('fieldset:has(input[type=radio][name^=answer_])').all())
      await group.locator('input[type=radio]').first().check();
    await shot(patient, 'intake-details');
    await patient.click('button:has-text("Save and continue")');
    await patient.waitForURL(/\/consents$/);
    for (const box of await patient.locator('input[type=checkbox][name^=consent_]').all()) await box.check();
    await shot(patient, 'intake-consents');
    await patient.click('button:has-text("Agree and continue")');
    await patient.waitForURL(/\/review$/);
    await patient.check('#in-accept');
    await shot(patient, 'intake-review');
    await patient.click('button:has-text("Send my request")');
    await patient.waitForURL(/\/pay\/demo\//);
    await shot(patient, 'demo-checkout');
    await patient.click('button:has-text("Authorize")');
    await patient.waitForURL(/\/account\/receipts\//);
    await shot(patient, 'receipt');

    // 3. Records: a PDF report and a DICOM image, from the case page.
    const pdf = path.join(profile, 'report.pdf');
    writeFileSync(pdf, minimalPdf());
    await patient.goto(url(A, `/account/cases/${caseId}`));
    await patient.setInputFiles('#f-records', [pdf, DICOM]);
    // With JavaScript the files go one by one with their progress, then the page comes back with the counts.
    await Promise.all([patient.waitForURL(/uploaded=2&rejected=0/), patient.click('button:has-text("Upload")')]);
    // Processed (inline here, by jobs in a deployment): the study's modality shows beside the file.
    await patient.waitForSelector('text=CT', { timeout: 30000 });
    await shot(patient, 'patient-records');

    // 4. The coordinator triages, accepts (the payment is captured) and assigns the suggested physician.
    const coordinator = await person();
    await staffSignIn(coordinator, A, 'coordinator');
    await coordinator.goto(url(A, `/console/cases/${caseId}`));
    await shot(coordinator, 'coordinator-case');
    await coordinator.click('button:has-text("Start triage")');
    await coordinator.click('button:has-text("Accept the case")');
    await coordinator.waitForSelector('form[action$="/assign"] button');
    await shot(coordinator, 'coordinator-accepted');
    await coordinator.locator('form[action$="/assign"] button').first().click();
    await shot(coordinator, 'coordinator-assigned');

    // 5. The physician accepts, reads the records, writes and signs the opinion.
    const physician = await person();
    await staffSignIn(physician, A, 'physician');
    await physician.goto(url(A, `/console/reviews/${caseId}`));
    await physician.click(`form[action$="/begin"] button`);
    await physician.waitForSelector('form[action$="/draft"]');
    await shot(physician, 'physician-workspace');
    await physician.check('#f-agreement-refined');
    await physician.check('#f-tc-yes');
    await physician.fill('#f-diagnosis_note-input', 'The staging is right; the receptor status changes the plan.');
    await physician.fill('#f-recommendations-input', 'Discuss an endocrine-first approach with your oncologist.');
    await physician.fill('#f-alternatives-input', 'Surgery first, then adjuvant therapy.');
    await physician.fill('#f-clinical_trials-input', 'None open nearby.');
    await physician.fill('#f-answer-0', 'Not necessarily: see the recommendations.');
    await physician.fill('#f-patient_summary-input', 'Your diagnosis is right, but another order of treatment may suit you better.');
    await physician.fill('#f-code', await freshCode('physician@lakeshore.example', DEMO_TOTP_SECRET, app));
    await physician.click('button:has-text("Sign the opinion")');
    await physician.waitForLoadState();
    await shot(physician, 'physician-signed');

    // 6. The patient reads the opinion and its PDF, and asks a follow-up question.
    await patient.goto(url(A, `/account/cases/${caseId}/opinion`));
    await patient.waitForSelector('text=another order of treatment');
    await shot(patient, 'patient-opinion');
    // The signed letter, fetched by the page itself (its cookies, its resolver).
    const letter: [number, string] = await patient.evaluate(
      `fetch('/account/cases/${caseId}/opinion/letter.pdf').then((r) => r.arrayBuffer().then((b) => [r.status, String.fromCharCode(...new Uint8Array(b).slice(0, 5))]))`,
    );
    expect(letter).toEqual([200, '%PDF-']);
    await patient.goto(url(A, `/account/cases/${caseId}`));
    await patient.fill('#f-question', 'How long would the endocrine therapy last?');
    await patient.click('button:has-text("Send the question")');
    await shot(patient, 'patient-follow-up');

    // 7. Staff record the procedure that followed.
    await coordinator.goto(url(A, `/console/cases/${caseId}`));
    await coordinator.selectOption('#f-kind', 'procedure_done');
    await coordinator.fill('#f-occurred_on', '2026-11-20');
    await coordinator.fill('#f-value', '18500');
    await coordinator.click('form[action$="/conversions"] button');
    await shot(coordinator, 'coordinator-conversion');
    const [credited] = await operatorQuery<{ utm_campaign: string }>(app, 'SELECT utm_campaign FROM visits WHERE case_id = $1', [caseId]);
    expect(credited.utm_campaign).toBe('journey-test');

    // 8. Hospital B: the patient's account does not exist there, and B's coordinator finds no such case.
    const elsewhere = await person();
    await elsewhere.goto(url(B, '/sign-in'));
    await elsewhere.fill('#f-email', patientEmail);
    await elsewhere.fill('#f-password', 'a long journey password 2026');
    await elsewhere.click('form[action="/sign-in"] button[type=submit]');
    await elsewhere.waitForSelector('.error-summary');
    await shot(elsewhere, 'hospital-b-no-account');
    const coordinatorB = await person();
    await staffSignIn(coordinatorB, B, 'coordinator');
    const other = await coordinatorB.goto(url(B, `/console/cases/${caseId}`));
    expect(other?.status()).toBe(404);
    await shot(coordinatorB, 'hospital-b-not-found');
    expect(await coordinatorB.content()).not.toContain('Stage II');
    // Every page of the journey (site, intake, portal, consoles) passes axe-core.
    expect(violations).toEqual([]);
  });

  it.each(WALKS)('serves a patient who reads $locale on $slug with no word of another language, refused forms included', async (walk) => {
    const translator = app.get(Translator);
    const { locale, host } = walk;
    const label = (key: string) => translator.t(key, locale);
    const places = placeOptions(locale);
    const allow = [
      ...hospitalData(walk.slug, locale),
      ...places.states.map((p) => p.name),
      ...places.countries.map((p) => p.name),
      walk.name,
      walk.program,
      ...walk.typed,
      'Consilium',
    ];
    const before = violations.length;
    /** The page as the browser holds it (after any script), its language, and no leaked word; then a screenshot. */
    const check = async (page: Page, what: string): Promise<void> => {
      expect({ what, lang: await page.getAttribute('html', 'lang') }).toEqual({ what, lang: locale });
      expectNoLeaks(await page.content(), { locale, translator, allow, page: `${what} (${new URL(page.url()).pathname})` });
      await shot(page, `${locale}-${what}`);
    };

    // The home page in the hospital's default language, then its language switch.
    const patient = await person();
    await patient.goto(url(host, '/'));
    await patient.click(`nav.language-switch a[hreflang="${locale}"]`);
    await patient.waitForURL(new RegExp(`[?&]lang=${locale}`));
    await check(patient, 'home');
    // The choice stays with the patient (a cookie) on pages linked without ?lang=.
    await patient.goto(url(host, '/pricing'));
    await check(patient, 'pricing');

    await patient.goto(url(host, '/start?specialty=oncology'));
    await patient.selectOption('#f-jurisdiction', walk.jurisdiction);
    await check(patient, 'intake-choice');
    await patient.locator('button', { hasText: label('intake.start.continue') }).click();
    await patient.waitForURL(/\/start\/plan/);
    await check(patient, 'intake-plan');

    // Sign-up, refused first: the error beside the field in the patient's language, what was typed kept.
    await patient.click('.form a[href^="/sign-up"]');
    await patient.waitForSelector('#f-password');
    await check(patient, 'sign-up');
    await patient.fill('#f-name', walk.name);
    await patient.click('form[action="/sign-up"] button[type=submit]');
    await patient.waitForSelector('.error-summary');
    expect(await patient.inputValue('#f-name')).toBe(walk.name);
    await check(patient, 'sign-up-refused');
    const email = `journey.${locale}.${Date.now()}@patients.example`;
    await patient.fill('#f-email', email);
    await patient.fill('#f-password', 'a long journey password 2026');
    await patient.check('#f-terms');
    await patient.click('form[action="/sign-up"] button[type=submit]');
    await patient.waitForSelector('#check-title');
    await check(patient, 'check-email');
    await patient.goto(await confirmationLink(host, email));
    await check(patient, 'confirm-email');
    await patient.click('form[action^="/verify-email/"] button');
    await patient.waitForURL(/\/start\/plan/);
    await patient.locator('button', { hasText: label('intake.start.continue') }).click();
    await patient.waitForURL(/\/start\/[0-9a-f-]{36}\/details/);
    const caseId = /\/start\/([0-9a-f-]{36})\//.exec(patient.url())![1];
    await check(patient, 'intake-details');
    await patient.locator('button', { hasText: label('intake.start.saveContinue') }).click();
    await patient.waitForSelector('.error-summary');
    await check(patient, 'intake-details-refused');

    const [question, diagnosis, treatment] = walk.typed;
    await patient.fill('#f-question-1', question);
    await patient.fill('#f-diagnosis', diagnosis);
    await patient.fill('#f-proposed_treatment', treatment);
    for (const input of await patient.locator('input[type=date][name^=answer_]').all()) await input.fill('2026-10-01');
    for (const input of await patient.locator('input[type=text][name^=answer_], textarea[name^=answer_]').all()) await input.fill('2');
    for (const group of await patient.locator('fieldset:has(input[type=radio][name^=answer_])').all())
      await group.locator('input[type=radio]').first().check();
    await patient.locator('button', { hasText: label('intake.start.saveContinue') }).click();
    await patient.waitForURL(/\/consents$/);
    await check(patient, 'intake-consents');
    for (const box of await patient.locator('input[type=checkbox][name^=consent_]').all()) await box.check();
    await patient.locator('button', { hasText: label('intake.start.agreeContinue') }).click();
    await patient.waitForURL(/\/review$/);
    await check(patient, 'intake-review');
    await patient.check('#in-accept');
    await patient.click('button[name=go][value=pay]');
    await patient.waitForURL(/\/pay\/demo\//);
    await check(patient, 'demo-checkout');
    await patient.click('form[action$="/authorize"] button');
    await patient.waitForURL(/\/account\/receipts\//);
    await check(patient, 'receipt');

    // "Your requests", the request's page, and a refused message on it.
    await patient.goto(url(host, '/account'));
    await check(patient, 'your-requests');
    await patient.goto(url(host, `/account/cases/${caseId}`));
    await check(patient, 'request');
    // A program sent as a record: refused, and the reason is in the patient's language.
    const program = path.join(profile, walk.program);
    writeFileSync(program, peExecutable());
    await patient.setInputFiles('#f-records', program);
    await patient.click('form[action*="/records/upload"] button[type=submit]');
    await patient.waitForSelector('.records .field__error');
    await check(patient, 'request-upload-refused');
    await patient.fill('#f-body', ' ');
    await patient.click('form[action$="/messages"] button[type=submit]');
    await patient.waitForSelector('#messages .error-summary');
    await check(patient, 'request-message-refused');
    expect(violations.slice(before)).toEqual([]);
  });
});

/** The smallest well-formed PDF: a page with no content. */
function minimalPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body);
}
