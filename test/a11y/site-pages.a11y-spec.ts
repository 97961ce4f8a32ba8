import { AccountMail, IdentityModule } from '@consilium/identity';
import { BrandedAccountMail } from '@consilium/notifications';
import { IntakeModule } from '@consilium/intake';
import { BlueprintCatalog } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';
import { pagePaths } from '../support/pages';
import { freePort } from '../support/ports';
import { createTestApp } from '../support/test-app';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Accessibility checks skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

/** WCAG 2.2 A and AA, plus axe's best practices (landmarks, heading order, ...). */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

const DEMOS = [
  { host: 'lakeshore.localhost', specialty: 'oncology', physician: 'amara-okafor' },
  { host: 'meridian.localhost', specialty: 'rare-diseases', physician: 'hannah-cho' },
];

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

(haveChromium ? describe : describe.skip)('accessibility of every page type, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: BrowserContext;
  let profile: string;
  let port: number;
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  beforeAll(async () => {
    port = await freePort();
    // Identity and intake for the first step of the wizard (/start), which is public like the site.
    app = await createTestApp(
      { PORT: String(port) },
      {
        imports: [IdentityModule, IntakeModule],
        providers: [{ provide: AccountMail, useExisting: BrandedAccountMail }],
      },
    );
    await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
    await app.listen({ port, host: '127.0.0.1' });
    profile = mkdtempSync(path.join(tmpdir(), 'chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
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
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const pages = DEMOS.flatMap((demo) =>
    [...pagePaths(demo.specialty, demo.physician), '/start', `/start?specialty=${demo.specialty}`].flatMap((p) => [
      [demo.host, p],
      [demo.host, `${p}${p.includes('?') ? '&' : '?'}lang=es`],
    ]),
  );

  it.each(pages)('%s%s has no axe violations on a phone or a desktop, and fits 375 px', async (host, url) => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // A CSP violation (e.g. an inline script or style slipping in) shows up here.
      if (message.type() === 'error') problems.push(message.text());
    });
    try {
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        const response = await page.goto(`http://${host}:${port}${url}`);
        expect(response?.status()).toBe(200);
        // Injected through the debugging protocol, which the page's CSP does not govern.
        await page.evaluate(axeSource);
        // Strings, not functions: the browser's DOM types are not part of this Node project's compilation.
        const violations: AxeViolation[] = await page.evaluate(
          `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })
             .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
        );
        expect({
          width,
          violations: violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        }).toEqual({ width, violations: [] });
        if (width === 375) {
          const overflow = await page.evaluate('document.documentElement.scrollWidth');
          expect({ width, scrollWidth: overflow }).toEqual({ width, scrollWidth: 375 });
        }
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('is usable without JavaScript: the FAQ opens and the menu links work', async () => {
    const context = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await (await context.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } })).newPage();
      await page.goto(`http://lakeshore.localhost:${port}/faq`);
      const question = page.locator('details.faq summary').first();
      await question.click();
      expect(await page.locator('details.faq').first().getAttribute('open')).not.toBeNull();
      await page.getByRole('link', { name: 'Pricing' }).first().click();
      expect(page.url()).toBe(`http://lakeshore.localhost:${port}/pricing`);
      await page.getByRole('link', { name: 'Español' }).click();
      expect(page.url()).toBe(`http://lakeshore.localhost:${port}/pricing?lang=es`);
    } finally {
      await context.close();
    }
  });
});
