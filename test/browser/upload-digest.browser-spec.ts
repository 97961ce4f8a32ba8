import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium, Request } from 'playwright-core';
import { createTestCase, TestCase } from '../support/cases';
import { freePort } from '../support/ports';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Upload digest checks skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const pdf = (bytes: number) => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(bytes), Buffer.from('\n%%EOF\n')]);
const sha256 = (bytes: Buffer, encoding: 'hex' | 'base64' = 'hex') => createHash('sha256').update(bytes).digest(encoding);

/**
 * The upload script hashes each file with WebCrypto before it leaves, in Chromium: a file sent in one request carries
 * its SHA-256, and a file changed on its way is refused with the reason on the case page; a resumable upload
 * announces the whole file's SHA-256 and every chunk carries its own.
 */
(haveChromium ? describe : describe.skip)('upload digests from the browser, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let a: TestHospital;
  let c: TestCase;
  let cookieHeader: string;
  const profile = mkdtempSync(path.join(tmpdir(), 'upload-digest-'));

  beforeAll(async () => {
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app);
    c = await createTestCase(app, a, { state: 'submitted' });
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

  async function casePage() {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    await context.addCookies(
      cookieHeader.split('; ').map((pair) => {
        const at = pair.indexOf('=');
        return { name: pair.slice(0, at), value: pair.slice(at + 1), url: `http://${a.host}:${port}` };
      }),
    );
    const page = await context.newPage();
    await page.goto(`http://${a.host}:${port}/account/cases/${c.id}`);
    return { context, page, form: page.locator('form[data-resumable]') };
  }

  it('sends the SHA-256 with a small file, and a file changed on its way is refused with the reason', async () => {
    const { context, page, form } = await casePage();
    try {
      const file = pdf(200_000);
      // The first upload as sent; the second has one byte of the file changed after the browser hashed it.
      let sent = 0;
      const digests: string[] = [];
      await page.route('**/records/upload*', async (route) => {
        const body = route.request().postDataBuffer()!;
        digests.push(/name="sha256"\r\n\r\n([0-9a-f]+)\r\n/.exec(body.toString('latin1'))?.[1] ?? '');
        if (sent++ === 1) body[body.indexOf(file.subarray(100_000, 100_032))] ^= 1;
        await route.continue({ postData: body });
      });
      await form.locator('input[type=file]').setInputFiles({ name: 'labs.pdf', mimeType: 'application/pdf', buffer: file });
      await Promise.all([page.waitForURL(/uploaded=1&rejected=0/), form.locator('button[type=submit]').click()]);
      await form.locator('input[type=file]').setInputFiles({ name: 'labs-again.pdf', mimeType: 'application/pdf', buffer: file });
      await Promise.all([page.waitForURL(/uploaded=0&rejected=1/), form.locator('button[type=submit]').click()]);
      expect(digests).toEqual([sha256(file), sha256(file)]);
      const records = await page.locator('#records').textContent();
      expect(records).toContain('labs.pdf');
      expect(records).toContain('This file changed on its way to us');
    } finally {
      await context.close();
    }
  });

  it('announces the whole file’s SHA-256 to a resumable upload, and every chunk carries its own', async () => {
    const { context, page, form } = await casePage();
    try {
      // Over 8 MiB, so it goes in two chunks; the threshold lowered so a test need not send 100 MB.
      const file = pdf(9 * 1024 * 1024);
      await form.evaluate((f) => f.setAttribute('data-resumable-over', '1000'));
      const requests: Request[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' || r.method() === 'PATCH') requests.push(r);
      });
      await form.locator('input[type=file]').setInputFiles({ name: 'mri.pdf', mimeType: 'application/pdf', buffer: file });
      await Promise.all([page.waitForURL(/uploaded=1&rejected=0/, { timeout: 60000 }), form.locator('button[type=submit]').click()]);
      const create = await requests.find((r) => r.method() === 'POST')!.allHeaders();
      const announced = /sha256 ([A-Za-z0-9+/=]+)/.exec(create['upload-metadata'])?.[1];
      expect(Buffer.from(announced!, 'base64').toString()).toBe(sha256(file));
      const chunks = await Promise.all(requests.filter((r) => r.method() === 'PATCH').map((r) => r.allHeaders()));
      expect(chunks.map((h) => h['upload-checksum'])).toEqual([
        `sha256 ${sha256(file.subarray(0, 8 * 1024 * 1024), 'base64')}`,
        `sha256 ${sha256(file.subarray(8 * 1024 * 1024), 'base64')}`,
      ]);
      expect(await page.locator('#records').textContent()).toContain('mri.pdf');
    } finally {
      await context.close();
    }
  });
});
