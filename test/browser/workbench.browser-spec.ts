import { TenantDatabase, Translator } from '@consilium/core';
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
import { applyTestBlueprint, createTestHospital, TEST_PASSWORD, testBlueprint, TestHospital, TestPerson } from '../support/tenants';
import { launchChromium } from '../support/browser';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Workbench walk skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const SHOTS = path.join(__dirname, '..', 'artifacts', 'workbench');

/**
 * Issue #25's coordinator in Chromium: a day's queue handled from the console home. The home's count of cases that
 * need a physician leads to them; a search finds a patient by surname; two cases are ticked (by keyboard) and
 * assigned at once; and a case whose only physician is at capacity is assigned over it, with a reason, from the
 * assignment panel at the top of its page. Each page is checked by axe-core and the leak detector; screenshots land
 * in test/artifacts/workbench/.
 */
(haveChromium ? describe : describe.skip)('the coordinator’s workbench in a real browser', () => {
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
    profile = mkdtempSync(path.join(tmpdir(), 'workbench-'));
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    translator = app.get(Translator);
    hospital = await createTestHospital(app);
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

  /** A screenshot, axe-core's verdict (WCAG 2.2 A and AA) and the leak detector's on the page as it stands. */
  async function shot(page: Page, name: string): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`) });
    await page.evaluate(axeSource);
    const found: { id: string; help: string }[] = await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
         .then((r) => r.violations.map((v) => ({ id: v.id, help: v.help })))`,
    );
    for (const v of found) violations.push(`${name}: ${v.id} ${v.help}`);
    expectNoLeaks(await page.content(), { locale: 'en', translator, allow: [hospital.name, 'Consilium'], page: name });
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

  const stateOf = async (id: string) =>
    (await operatorQuery<{ state: string }>(app, 'SELECT state FROM cases WHERE id = $1', [id]))[0].state;

  it('a coordinator handles a day’s queue from the home page: search, bulk assign, override with a reason', async () => {
    // The day: two new requests, three accepted cases waiting for a physician, one of them for a patient to be found.
    const zelda = await app.get(TenantDatabase).forTenant(hospital.id, async (tx) => {
      const email = `zelda.quartz.${hospital.slug}@example.org`;
      const [row]: { id: string }[] = await tx.query(
        `INSERT INTO accounts (tenant_id, kind, email, name, email_verified_at) VALUES ($1, 'patient', $2, 'Zelda Quartz', now()) RETURNING id`,
        [hospital.id, email],
      );
      return { id: row.id, email };
    });
    await createTestCase(app, hospital, { state: 'submitted' });
    await createTestCase(app, hospital, { state: 'submitted' });
    const waiting = [
      await createTestCase(app, hospital, { state: 'accepted' }),
      await createTestCase(app, hospital, { state: 'accepted' }),
    ];
    const hers = await createTestCase(app, hospital, { state: 'accepted', patient: zelda });

    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en' })).newPage();
    await staffSignIn(page, hospital.people.coordinator);
    await page.goto(url('/console'));
    expect(await page.textContent('.home-counts')).toContain('3 need a physician');
    await shot(page, 'home');

    // The count is a link to exactly those cases.
    await page.click('a:has-text("3 need a physician")');
    await page.waitForURL(/state=accepted&assignee=none/);
    expect(await page.locator('tbody tr').count()).toBe(3);
    await shot(page, 'needs-physician');

    // A search by surname, from the queue's search box.
    await page.fill('#f-q', 'quartz');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/q=quartz/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.textContent('tbody')).toContain('Zelda Quartz');
    await shot(page, 'search');

    // Back to the cases without a physician: two ticked by keyboard (Tab to each box, Space), assigned at once.
    await page.goto(url('/console/cases?state=accepted&assignee=none'));
    for (const c of waiting) {
      await page.focus(`#pick-${c.id}`);
      await page.keyboard.press('Space');
      expect(await page.isChecked(`#pick-${c.id}`)).toBe(true);
    }
    await page.selectOption('#f-action', 'assign');
    await page.selectOption('#f-physician', { index: 1 });
    await shot(page, 'bulk-assign');
    await page.click('.bulk button[type=submit]');
    await page.waitForURL(/done=2/);
    expect(await page.textContent('[role=status]')).toContain('2 cases done');
    for (const c of waiting) expect(await stateOf(c.id)).toBe('assigned');
    expect(await page.locator('tbody tr').count()).toBe(1);

    // The only physician is now at capacity (0 cases a week): the last case's page opens on its assignment panel,
    // the blocker first, and the coordinator assigns over capacity with a reason.
    const base = testBlueprint(hospital.slug);
    await applyTestBlueprint(app, { ...base, physicians: [{ ...base.physicians![0], weekly_capacity: 0 }] });
    await page.click(`a:has-text("${hers.number}")`);
    await page.waitForSelector('#assignment');
    expect(await page.textContent('.case-summary')).toContain('Assign a physician');
    expect(await page.textContent('.suggestion')).toContain('Cannot take it: At capacity');
    await page.click('details.override summary');
    await shot(page, 'case-override');
    await page.click('details.override button[type=submit]');
    expect(await page.textContent('.field__error')).toContain('Say why this physician takes the case over capacity.');
    // Shown again with the problem beside the field, the panel still open.
    expect(await page.locator('details.override').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await page.fill('input[name=override_reason]', 'Agreed by phone: a short case');
    await page.click('details.override button[type=submit]');
    await page.waitForURL(/#assignment$/);
    expect(await stateOf(hers.id)).toBe('assigned');
    expect(await page.textContent('.timeline')).toContain('Agreed by phone: a short case');
    await shot(page, 'case-assigned');
    expect(violations).toEqual([]);
  });
});
