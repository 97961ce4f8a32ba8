import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { signInOperator } from '../support/operator-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** The operator console as a whole, with every lib mounted: one page leads to every other. */
describe('operator console: navigation', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let op: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    a = await createTestTenant(app);
    op = (await signInOperator(app)).client;
  });

  afterAll(() => app.close());

  it('links every operator page from the home, each answers, and no fresh form shows an empty error box', async () => {
    const home = await op.get('/operator');
    expect(home.status).toBe(200);
    const pages = [
      '/operator/tenants',
      '/operator/tenants/new',
      '/operator/revenue',
      '/operator/benchmarks',
      '/operator/outbox',
      '/operator/jobs',
    ];
    for (const path of pages) expect(home.text).toContain(`href="${path}"`);
    // Each hospital links to its operator page (and to its site), never to "[object Object]".
    expect(home.text).toContain(`href="/operator/tenants/${a.slug}"`);
    for (const path of ['/operator', ...pages, `/operator/tenants/${a.slug}`]) {
      const page = await op.get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(page.text).not.toContain('[object Object]');
      // An error summary is only ever shown with the problems it lists.
      for (const summary of page.text.match(/<div class="error-summary"[\s\S]*?<\/div>/g) ?? []) {
        expect([path, /<li>|<p>/.test(summary)]).toEqual([path, true]);
      }
      expect(page.text).not.toMatch(/\b[a-z]+\.(operator|outbox|benchmarks)\.[A-Za-z]+\b(?![^<]*>)/);
    }
  });
});
