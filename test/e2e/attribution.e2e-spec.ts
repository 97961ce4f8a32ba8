import { TenantDatabase } from '@consilium/core';
import { AttributionService } from '@consilium/marketing';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { asTenant } from '../support/as-tenant';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const COOKIE = /^cs_vid=([0-9a-f-]{36}); Max-Age=15552000; Path=\/; HttpOnly; SameSite=Lax$/;

describe('campaign attribution', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    // Anonymous visitors and rows written directly: nobody signs in, so tenants without people are enough.
    tenant = await createTestTenant(app, { locales: ['en', 'es'] });
    other = await createTestTenant(app);
  });

  afterAll(() => app.close());

  const get = (url: string, headers: Record<string, string> = {}, host = tenant.host) => {
    const req = request(app.getHttpServer()).get(url).set('Host', host);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req;
  };
  const visits = (t: TestTenant, visitorId?: string) =>
    app.get(TenantDatabase).forTenant(t.id, (tx) =>
      tx.query(
        `SELECT visitor_id, landing_path, locale, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, case_id
           FROM visits ${visitorId ? 'WHERE visitor_id = $1' : ''} ORDER BY landed_at`,
        visitorId ? [visitorId] : [],
      ),
    );

  it('gives a first visitor a first-party id and records the landing, then only landings from campaigns or other sites', async () => {
    const first = await get('/').expect(200);
    const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? []).find((c) => c.startsWith('cs_vid=')) ?? '';
    expect(cookie).toMatch(COOKIE);
    const visitorId = COOKIE.exec(cookie)![1];
    const asVisitor = { Cookie: `cs_vid=${visitorId}` };

    await get(
      '/pricing?lang=es&utm_source=newsletter&utm_medium=email&utm_campaign=fall-2025&utm_content=jane%40example.com&patient=Jane',
      asVisitor,
    ).expect(200);
    await get('/faq', { ...asVisitor, Referer: `http://${tenant.host}/pricing` }).expect(200);
    await get('/', { ...asVisitor, Referer: 'https://www.search.example/search?q=my+diagnosis' }).expect(200);
    await get('/physicians/nobody', { ...asVisitor, Referer: 'https://elsewhere.example/' }).expect(404);

    expect(await visits(tenant, visitorId)).toEqual([
      {
        visitor_id: visitorId,
        landing_path: '/',
        locale: 'en',
        referrer_host: null,
        utm_source: null,
        utm_medium: null,
        utm_campaign: null,
        utm_term: null,
        utm_content: null,
        case_id: null,
      },
      // The path only, never the query; a tag that looks like an email address is dropped.
      {
        visitor_id: visitorId,
        landing_path: '/pricing',
        locale: 'es',
        referrer_host: null,
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'fall-2025',
        utm_term: null,
        utm_content: null,
        case_id: null,
      },
      // The referring site's host only: a search URL may carry what someone searched for.
      {
        visitor_id: visitorId,
        landing_path: '/',
        locale: 'en',
        referrer_host: 'www.search.example',
        utm_source: null,
        utm_medium: null,
        utm_campaign: null,
        utm_term: null,
        utm_content: null,
        case_id: null,
      },
    ]);
    // A returning visitor is not given a new id.
    expect(String((await get('/', asVisitor).expect(200)).headers['set-cookie'] ?? '')).not.toContain('cs_vid=');
  });

  it.each([
    ['Do Not Track', { DNT: '1' }],
    ['Global Privacy Control', { 'Sec-GPC': '1' }],
  ])('sets no cookie and records nothing under %s, even from a campaign link', async (_, headers) => {
    const before = (await visits(tenant)).length;
    const page = await get('/?utm_source=ads&utm_campaign=spring', headers).expect(200);
    expect(String(page.headers['set-cookie'] ?? '')).not.toContain('cs_vid=');
    await get('/pricing?utm_source=ads', { ...headers, Cookie: `cs_vid=${randomUUID()}` }).expect(200);
    expect((await visits(tenant)).length).toBe(before);
  });

  it('records nothing for crawlers', async () => {
    const before = (await visits(tenant)).length;
    const page = await get('/?utm_source=x', { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' }).expect(200);
    expect(String(page.headers['set-cookie'] ?? '')).not.toContain('cs_vid=');
    expect((await visits(tenant)).length).toBe(before);
  });

  it('links a visitor to a case and credits first and last touch, within the tenant only', async () => {
    const visitorId = randomUUID();
    await get('/?utm_source=radio&utm_campaign=heart-month', { Cookie: `cs_vid=${visitorId}` }).expect(200);
    await get('/pricing?utm_source=newsletter', { Cookie: `cs_vid=${visitorId}` }).expect(200);
    const caseId = randomUUID();
    const service = app.get(AttributionService);

    // The same visitor id on another hospital's site is another hospital's business: nothing to see or link.
    expect(await asTenant(app, other, () => service.linkVisitorToCase(visitorId, caseId))).toBe(0);
    expect(await asTenant(app, other, () => service.attributionFor(visitorId))).toEqual({
      visits: 0,
      firstTouch: undefined,
      lastTouch: undefined,
    });

    expect(await asTenant(app, tenant, () => service.linkVisitorToCase(visitorId, caseId))).toBe(2);
    const credit = await asTenant(app, tenant, () => service.attributionFor(visitorId));
    expect(credit).toMatchObject({
      visits: 2,
      firstTouch: { landingPath: '/', utmSource: 'radio', utmCampaign: 'heart-month' },
      lastTouch: { landingPath: '/pricing', utmSource: 'newsletter' },
    });
    expect((await visits(tenant, visitorId)).map((v: { case_id: string }) => v.case_id)).toEqual([caseId, caseId]);
    expect(await visits(other, visitorId)).toEqual([]);
  });
});
