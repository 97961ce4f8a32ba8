import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium, Route } from 'playwright-core';
import { createTestCase, TestCase } from '../support/cases';
import { freePort } from '../support/ports';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Upload progress checks skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

/** A small PDF, well under the resumable threshold: the plain form's path, enhanced. */
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000), Buffer.from('\n%%EOF\n')]);

/**
 * The patient's records upload on their case page, in Chromium on a phone: each file shows its bytes and percent,
 * the button is disabled while it goes, Cancel stops it and leaves the form as it was; then the same file goes
 * through and the page lists it. Without JavaScript the form posts as it always did (the e2e suites cover that).
 */
(haveChromium ? describe : describe.skip)('upload progress on the patient’s case page, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let a: TestHospital;
  let c: TestCase;
  let draft: TestCase;
  let cookieHeader: string;
  const profile = mkdtempSync(path.join(tmpdir(), 'uploads-'));

  beforeAll(async () => {
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app);
    c = await createTestCase(app, a, { state: 'submitted' });
    draft = await createTestCase(app, a, { state: 'draft' });
    await app.listen({ port, host: '127.0.0.1' });
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    cookieHeader = patient.cookieHeader();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', `--host-resolver-rules=MAP *.localhost 127.0.0.1`],
    });
  }, 180000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function phone() {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    await context.addCookies(
      cookieHeader.split('; ').map((pair) => {
        const at = pair.indexOf('=');
        return { name: pair.slice(0, at), value: pair.slice(at + 1), url: `http://${a.host}:${port}` };
      }),
    );
    return context;
  }

  it('from the review step, "Add records" sends files and comes back; the review lists the files sent', async () => {
    const context = await phone();
    const page = await context.newPage();
    try {
      await page.goto(`http://${a.host}:${port}/start/${draft.id}/review`);
      expect(await page.locator('#review-records ~ *').first().textContent()).toContain('You have not sent any records yet.');
      await page.click('a:has-text("Add records")');
      const form = page.locator('form[data-resumable]');
      await form.locator('input[type=file]').setInputFiles({ name: 'pathology.pdf', mimeType: 'application/pdf', buffer: PDF });
      await Promise.all([page.waitForURL(/uploaded=1&rejected=0/), form.locator('button[type=submit]').click()]);
      await Promise.all([
        page.waitForURL(new RegExp(`/start/${draft.id}/review$`)),
        page.click('a:has-text("Back to the review of my request")'),
      ]);
      expect(await page.locator('section[aria-labelledby="review-records"]').textContent()).toContain('pathology.pdf');
    } finally {
      await context.close();
    }
  });

  it('shows bytes and percent per file, disables the button, cancels, then sends and lists the file', async () => {
    const context = await phone();
    const page = await context.newPage();
    try {
      await page.goto(`http://${a.host}:${port}/account/cases/${c.id}`);
      const form = page.locator('form[data-resumable]');
      const file = { name: 'scan-report.pdf', mimeType: 'application/pdf', buffer: PDF };

      // Hold the upload's answer, as a slow phone link would: the page shows where it stands meanwhile.
      let held: Route | null = null;
      await page.route('**/records/upload*', (route) => {
        held = route;
      });
      await form.locator('input[type=file]').setInputFiles(file);
      await form.locator('button[type=submit]').click();
      const row = form.locator('.upload-list li');
      await row.waitFor();
      await expect(row.locator('.upload-list__name').textContent()).resolves.toBe('scan-report.pdf');
      expect(await row.locator('.upload-list__bytes').textContent()).toMatch(/^[\d.,]+\s?(kB|MB) of 300(\.\d)?\s?kB \(\d+\s?%\)$/);
      expect(await form.locator('button[type=submit]').isDisabled()).toBe(true);
      const cancel = form.locator('button:has-text("Cancel the upload")');
      expect(await cancel.isVisible()).toBe(true);

      await cancel.click();
      await form.locator('[data-resumable-status]:has-text("Upload cancelled")').waitFor();
      await expect(form.locator('[data-resumable-status]').textContent()).resolves.toBe('Upload cancelled. Nothing was sent.');
      expect(await form.locator('button[type=submit]').isDisabled()).toBe(false);
      expect(held).not.toBeNull();
      await page.unroute('**/records/upload*');

      // Again, let through: the browser lands on the case page with the count, and the file is listed.
      await form.locator('input[type=file]').setInputFiles(file);
      await Promise.all([page.waitForURL(/uploaded=1&rejected=0/), form.locator('button[type=submit]').click()]);
      expect(await page.locator('#records').textContent()).toContain('scan-report.pdf');
    } finally {
      await context.close();
    }
  });
});
