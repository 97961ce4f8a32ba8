import { RollupRefresher } from '@consilium/analytics';
import { TenantDatabase } from '@consilium/core';
import { BlueprintCatalog, TenantDirectory } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { AnalyticsGenerator } from '../../apps/cli/src/generator/analytics-generator';
import { OPERATOR_HOST, signInOperator } from '../support/operator-sign-in';
import { freePort } from '../support/ports';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestPeople, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Accessibility checks skipped: ${CHROMIUM} not found (apt-get install -y chromium).`);

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const HOST = 'lakeshore.localhost';

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

type Who = 'anonymous' | 'admin' | 'coordinator' | 'physician' | 'patient' | 'operator';

/**
 * The pages staff, patients and operators work in, signed in as each, on the Lakeshore demo with generated history
 * (so tables, charts and case pages have rows): axe-core in Chromium on a phone and a desktop, 0 violations.
 */
(haveChromium ? describe : describe.skip)('accessibility of the consoles and the patient account, in Chromium', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let port: number;
  let people: TestPeople;
  let tenant: TestTenant;
  let caseId: string;
  const cookies = {} as Record<Who, { host: string; header: string }>;
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-'));

  beforeAll(async () => {
    port = await freePort();
    app = await createTestApp(
      { PORT: String(port), PUBLIC_PORT: String(port), DATA_DIR: profile, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    await app.get(BlueprintCatalog).apply(['lakeshore']);
    const lakeshore = (await app.get(TenantDirectory).list()).find((t) => t.slug === 'lakeshore')!;
    tenant = {
      id: lakeshore.id,
      slug: 'lakeshore',
      name: lakeshore.name,
      host: HOST,
      specialtySlug: 'oncology',
      offeringSlug: '',
      physicianSlug: 'amara-okafor',
    };
    people = await createTestPeople(app, tenant);
    await new AnalyticsGenerator((id, work) => app.get(TenantDatabase).forTenant(id, work)).generate({
      tenantId: tenant.id,
      cases: 200,
      days: 120,
      seed: 7,
    });
    await app.get(RollupRefresher).refresh(tenant.id);
    caseId = (
      await app.get(TenantDatabase).forTenant(tenant.id, (tx) => tx.query(`SELECT id FROM cases ORDER BY created_at DESC LIMIT 1`))
    )[0].id;
    await app.listen({ port, host: '127.0.0.1' });

    for (const who of ['admin', 'coordinator', 'physician'] as const) {
      const client = new WebClient(app, HOST);
      await signInStaff(client, people[who]);
      cookies[who] = { host: HOST, header: client.cookieHeader() };
    }
    const patient = new WebClient(app, HOST);
    await signInPatient(patient, people.patient);
    cookies.patient = { host: HOST, header: patient.cookieHeader() };
    cookies.operator = { host: OPERATOR_HOST, header: (await signInOperator(app)).client.cookieHeader() };
    cookies.anonymous = { host: HOST, header: '' };
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

  const pages: [Who, string][] = [
    ['anonymous', '/console/sign-in'],
    ['anonymous', '/console/forgot-password'],
    ['admin', '/console'],
    ['admin', '/console/catalog'],
    ['admin', '/console/catalog/offerings/new'],
    ['admin', '/console/roster'],
    ['admin', '/console/roster/new'],
    ['admin', '/console/roster/amara-okafor'],
    ['admin', '/console/site'],
    ['admin', '/console/branding'],
    ['admin', '/console/staff'],
    ['admin', '/console/settings'],
    ['admin', '/console/api-keys'],
    ['admin', '/console/audit'],
    ['admin', '/console/physicians'],
    ['admin', '/console/stipends'],
    ['admin', '/console/funding'],
    ['admin', '/console/refunds'],
    ['admin', '/console/refunds/offerings/cancer-diagnosis-review'],
    ['admin', '/console/revenue'],
    ['admin', '/console/analytics'],
    ['admin', '/console/conversions/import'],
    ['coordinator', '/console/cases'],
    ['coordinator', '/console/cases/:case'],
    ['coordinator', '/console/analytics'],
    ['physician', '/console/reviews'],
    ['patient', '/account'],
    ['operator', '/operator'],
    ['operator', '/operator/tenants'],
    ['operator', '/operator/tenants/new'],
    ['operator', '/operator/tenants/lakeshore'],
    ['operator', '/operator/jobs'],
    ['operator', '/operator/outbox'],
    ['operator', '/operator/revenue'],
    ['operator', '/operator/benchmarks'],
  ];

  it.each(pages)('%s: %s has no axe violations on a phone or a desktop', async (who, template) => {
    const url = template.replace(':case', caseId);
    const { host, header } = cookies[who];
    const context = await browser.newContext();
    if (header) {
      await context.addCookies(
        header.split('; ').map((pair) => {
          const at = pair.indexOf('=');
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: `http://${host}:${port}` };
        }),
      );
    }
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    try {
      for (const width of [375, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        const response = await page.goto(`http://${host}:${port}${url}`);
        expect({ url, status: response?.status() }).toEqual({ url, status: 200 });
        await page.evaluate(axeSource);
        const violations: AxeViolation[] = await page.evaluate(
          `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })
             .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
        );
        expect({
          width,
          violations: violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        }).toEqual({ width, violations: [] });
      }
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
