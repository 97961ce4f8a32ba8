import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { createTestCase } from '../support/cases';
import { OPERATOR_HOST, signInOperator } from '../support/operator-sign-in';
import { pagePaths } from '../support/pages';
import { freePort } from '../support/ports';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Narrow-screen checks skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

/**
 * How wide the page is, and the innermost elements that stick out past the screen's right edge (a string: it runs
 * in the browser, where `document` is).
 */
const MEASURE = `(() => {
  const out = [];
  const over = (el) => el.getBoundingClientRect().right > innerWidth + 0.5;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && over(el) && ![...el.children].some(over))
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' (' + Math.round(r.right) + 'px)');
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, culprits: out.slice(0, 5) };
})()`;

type Who = 'anonymous' | 'patient' | 'coordinator' | 'physician' | 'admin' | 'operator';

/**
 * WCAG 1.4.10 (reflow) on a phone: every page type, at 320 and 375 CSS pixels, in English and in Spanish, is as
 * wide as the screen and no wider: `document.documentElement.scrollWidth <= innerWidth`. Site pages, each intake
 * step, the patient's case, cancel and opinion pages, and the main page of each console, with rows in their tables.
 * A failure names the elements that stick out, so the fix is where it says.
 */
(haveChromium ? describe : describe.skip)('no sideways scrolling on a phone, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let a: TestHospital;
  const profile = mkdtempSync(path.join(tmpdir(), 'narrow-'));
  const cookies = {} as Record<Who, { host: string; header: string }>;
  const pages: [Who, string][] = [];

  beforeAll(async () => {
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app, { locales: ['en', 'es', 'fr'], default_locale: 'en' });
    // Rows for the tables: a case at each stage the patient and staff see, with the patient's own long words.
    const long = 'Adenocarcinoma-of-the-gastroesophageal-junction-with-signet-ring-features-and-perineural-invasion';
    const delivered = await createTestCase(app, a, { state: 'delivered', details: { diagnosis: long } });
    const submitted = await createTestCase(app, a, { state: 'submitted', details: { diagnosis: long } });
    await createTestCase(app, a, { state: 'assigned' });
    await app.listen({ port, host: '127.0.0.1' });

    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    // A draft made as a patient makes it, for the intake steps (the choice cookie stays with the patient's cookies).
    await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
    await patient.get('/start/plan');
    const draft = /^\/start\/([0-9a-f-]{36})\/details$/.exec((await patient.post('/start/plan')).location ?? '')![1];
    cookies.patient = { host: a.host, header: patient.cookieHeader() };
    for (const who of ['admin', 'coordinator', 'physician'] as const) {
      const client = new WebClient(app, a.host);
      await signInStaff(client, a.people[who]);
      cookies[who] = { host: a.host, header: client.cookieHeader() };
    }
    cookies.operator = { host: OPERATOR_HOST, header: (await signInOperator(app)).client.cookieHeader() };
    cookies.anonymous = { host: a.host, header: '' };

    pages.push(
      ...pagePaths(a.specialtySlug, a.physicianSlug).map((p): [Who, string] => ['anonymous', p]),
      ['anonymous', '/start'],
      ['anonymous', '/sign-in'],
      ['anonymous', '/sign-up'],
      ['patient', '/start/plan'],
      ...['details', 'physician', 'consents', 'review'].map((step): [Who, string] => ['patient', `/start/${draft}/${step}`]),
      ['patient', '/account'],
      ['patient', `/account/cases/${draft}`],
      ['patient', `/account/cases/${submitted.id}`],
      ['patient', `/account/cases/${submitted.id}/cancel`],
      ['patient', `/account/cases/${delivered.id}`],
      ['patient', `/account/cases/${delivered.id}/opinion`],
      ['coordinator', '/console/cases'],
      ['coordinator', `/console/cases/${submitted.id}`],
      ['physician', '/console/reviews'],
      ['admin', '/console'],
      ['admin', '/console/catalog'],
      ['admin', '/console/roster'],
      ['admin', '/console/staff'],
      ['admin', '/console/revenue'],
      ['admin', '/console/analytics'],
      ['admin', '/console/audit'],
      ['operator', '/operator'],
      ['operator', '/operator/tenants'],
    );
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

  it.each(['en', 'es'])('in %s, every page type fits 320 and 375 px without scrolling sideways', async (locale) => {
    const wide: string[] = [];
    for (const who of Object.keys(cookies) as Who[]) {
      const { host, header } = cookies[who];
      const context = await browser.newContext();
      const jar = header ? header.split('; ') : [];
      await context.addCookies(
        [...jar, `lang=${locale}`].map((pair) => {
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: `http://${host}:${port}` };
        }),
      );
      const page = await context.newPage();
      try {
        for (const [, url] of pages.filter(([w]) => w === who)) {
          for (const width of [320, 375]) {
            await page.setViewportSize({ width, height: 740 });
            const response = await page.goto(`http://${host}:${port}${url}`);
            expect({ url, status: response?.status() }).toEqual({ url, status: 200 });
            expect(await page.evaluate<string>('document.documentElement.lang')).toBe(locale);
            // Tables are stacked rows here, not a grid squeezed or scrolled: each cell a labelled line.
            const stacked = await page.evaluate<string[]>(
              `[...document.querySelectorAll('table.stack tbody td[data-label]')].map((td) => getComputedStyle(td).display)`,
            );
            expect({ url, width, grid: stacked.filter((d) => d !== 'block') }).toEqual({ url, width, grid: [] });
            if (url === '/console/cases') expect(stacked.length).toBeGreaterThan(0);
            const found: { scrollWidth: number; innerWidth: number; culprits: string[] } = await page.evaluate(MEASURE);
            if (found.scrollWidth > found.innerWidth)
              wide.push(`${who} ${url} at ${width}px: ${found.scrollWidth}px wide; ${found.culprits.join(', ')}`);
          }
        }
      } finally {
        await context.close();
      }
    }
    expect(wide).toEqual([]);
  });
});
