import { IdentityModule, AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestPeople, createTestTenant, testBlueprint, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Whole public pages kept in front of the framework for visitors who are not signed in, and only for them. */
describe('the public page cache', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  let people: TestPeople;
  const visitor = `cs_vid=${randomUUID()}`;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    a = await createTestTenant(app);
    b = await createTestTenant(app);
    people = await createTestPeople(app, a);
  });

  afterAll(() => app.close());

  const get = (host: string, path: string, headers: Record<string, string> = {}) =>
    request(app.getHttpServer()).get(path).set('Host', host).set({ cookie: visitor, accept: 'text/html', ...headers });

  it('serves a returning visitor’s second view of a page from the cache, the same bytes and headers', async () => {
    const first = await get(a.host, '/pricing', { referer: `http://${a.host}/` });
    expect(first.status).toBe(200);
    expect(first.headers['x-page-cache']).toBeUndefined();
    const second = await get(a.host, '/pricing', { referer: `http://${a.host}/faq` });
    expect(second.headers['x-page-cache']).toBe('hit');
    expect(second.text).toBe(first.text);
    expect(second.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['set-cookie']).toBeUndefined();
    // Another hospital's page at the same path is its own.
    const other = await get(b.host, '/pricing');
    expect(other.text).toContain(b.name);
    expect(other.text).not.toContain(a.name);
  });

  it('lets campaign landings, visitors from other sites and first visits reach the application (attribution)', async () => {
    await get(a.host, '/faq');
    expect((await get(a.host, '/faq')).headers['x-page-cache']).toBe('hit');
    expect((await get(a.host, '/faq?utm_source=news')).headers['x-page-cache']).toBeUndefined();
    expect((await get(a.host, '/faq', { referer: 'https://search.example/?q=heart' })).headers['x-page-cache']).toBeUndefined();
    expect((await get(a.host, '/faq', { cookie: '' })).headers['x-page-cache']).toBeUndefined();
  });

  it('keeps languages apart, and never serves a signed-in visitor or a page with a form from it', async () => {
    await get(a.host, '/how-it-works');
    await get(a.host, '/how-it-works', { 'accept-language': 'es' });
    expect((await get(a.host, '/how-it-works', { 'accept-language': 'es' })).headers['x-page-cache']).toBe('hit');

    const patient = new WebClient(app, a.host);
    patient.cookies.set('cs_vid', visitor.split('=')[1]);
    await signInPatient(patient, people.patient);
    const signedIn = await patient.get('/how-it-works');
    expect(signedIn.headers['x-page-cache']).toBeUndefined();
    expect(signedIn.text).toContain('/account');

    await get(a.host, '/sign-in');
    expect((await get(a.host, '/sign-in')).headers['x-page-cache']).toBeUndefined();
  });

  it('drops a hospital’s pages the moment its content changes', async () => {
    await get(a.host, '/');
    expect((await get(a.host, '/')).headers['x-page-cache']).toBe('hit');
    await applyTestBlueprint(app, testBlueprint(a.slug, { name: `${a.name} Renamed` }));
    await eventually(async () => {
      const page = await get(a.host, '/');
      expect(page.headers['x-page-cache']).toBeUndefined();
      expect(page.text).toContain(`${a.name} Renamed`);
    }, 5000);
  });
});
