import { OperatorDatabase } from '@consilium/core/operator-data';
import { BlueprintCatalog, TenantDirectory } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { createTestApp } from '../support/test-app';
import { createTestTenant } from '../support/tenants';

describe('host -> tenant -> theme -> page', () => {
  let one: NestFastifyApplication;
  let two: NestFastifyApplication;

  beforeAll(async () => {
    one = await createTestApp();
    two = await createTestApp();
    const report = await one.get(BlueprintCatalog).apply(['lakeshore', 'meridian']);
    expect(report.problems).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all([one.close(), two.close()]);
  });

  it.each([
    ['lakeshore.localhost', 'Lakeshore Medical Center', '#0b4f6c'],
    ['meridian.localhost', 'Meridian University Health', '#7a1f3d'],
  ])('renders %s as its own hospital, in its own colours', async (host, name, colour) => {
    const page = await request(one.getHttpServer()).get('/').set('Host', `${host}:3000`).expect(200);
    expect(page.text).toContain(`<p class="site-footer__name">${name}</p>`);
    const other = name.startsWith('Lakeshore') ? 'Meridian' : 'Lakeshore';
    expect(page.text).not.toContain(other);
    const themeUrl = /href="(\/theme\.css[^"]*)"/.exec(page.text)![1].replace(/&#x3D;/g, '=');
    const theme = await request(one.getHttpServer()).get(themeUrl).set('Host', host).expect(200);
    expect(theme.text).toContain(`--brand-primary: ${colour};`);
    const logo = /src="(\/brand\/[^"]+logo\.svg)"/.exec(page.text)![1];
    const image = await request(one.getHttpServer()).get(logo).set('Host', host).expect(200);
    expect(image.headers['content-type']).toBe('image/svg+xml');
  });

  it('answers an unknown host with the neutral 404 page', async () => {
    const page = await request(one.getHttpServer()).get('/').set('Host', 'nobody.localhost').expect(404);
    expect(page.text).toContain('There is no second opinion program at this address.');
    expect(page.text).not.toMatch(/Lakeshore|Meridian/);
  });

  it("does not serve one tenant's brand files on another's host", async () => {
    const page = await request(one.getHttpServer()).get('/').set('Host', 'lakeshore.localhost').expect(200);
    const logo = /src="(\/brand\/[^"]+logo\.svg)"/.exec(page.text)![1];
    await request(one.getHttpServer()).get(logo).set('Host', 'meridian.localhost').expect(404);
  });

  it('resolves an alias domain added through one instance on another within one second (LISTEN/NOTIFY)', async () => {
    // Host resolution and the suspended page need no accounts: a tenant without people is enough.
    const tenant = await createTestTenant(one);
    const host = `new-${tenant.slug}.example.org`;
    // Instance two has seen the host as unknown, so a stale cache would keep answering 404.
    await request(two.getHttpServer()).get('/').set('Host', host).expect(404);
    const added = Date.now();
    await one
      .get(OperatorDatabase)
      .forTenant(tenant.id, (tx) => tx.query('INSERT INTO tenant_domains (tenant_id, host) VALUES ($1, $2)', [tenant.id, host]));
    // A new alias domain resolves to the tenant, which answers with a 301 to its primary domain.
    let page = await request(two.getHttpServer()).get('/').set('Host', host);
    while (page.status === 404 && Date.now() - added < 1000) {
      await new Promise((r) => setTimeout(r, 20));
      page = await request(two.getHttpServer()).get('/').set('Host', host);
    }
    const elapsed = Date.now() - added;
    console.log(`domain visible on the second instance after ${elapsed} ms`);
    expect(page.status).toBe(301);
    expect(page.headers.location).toBe(`http://${tenant.host}:3000/`);
    expect(elapsed).toBeLessThan(1000);
  });

  it('answers a suspended tenant with a plain 503 page, and serves it again when resumed', async () => {
    // Host resolution and the suspended page need no accounts: a tenant without people is enough.
    const tenant = await createTestTenant(one);
    await request(two.getHttpServer()).get('/').set('Host', tenant.host).expect(200);
    await one.get(TenantDirectory).setStatus(tenant.slug, 'suspended');
    await eventually(async () => {
      const page = await request(two.getHttpServer()).get('/').set('Host', tenant.host);
      expect(page.status).toBe(503);
      expect(page.text).toContain('temporarily unavailable');
      expect(page.text).not.toContain(tenant.name);
    }, 2000);
    await one.get(TenantDirectory).setStatus(tenant.slug, 'active');
    await eventually(() => request(two.getHttpServer()).get('/').set('Host', tenant.host).expect(200), 2000);
  });

  it('answers health on any host', async () => {
    const ready = await request(one.getHttpServer()).get('/health/ready').set('Host', 'whatever.example').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { shutdown: 'ok', database: 'ok', migrations: 'ok' } });
    await request(one.getHttpServer()).get('/health/live').expect(200);
  });
});
