import { IdentityModule, AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { get as httpGet, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import {
  applyTestBlueprint,
  createTestHospital,
  createTestTenant,
  testBlueprint,
  TestHospital,
  TestPeople,
  TestTenant,
} from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Whole public pages kept in front of the framework for visitors who are not signed in, and only for them. */
describe('the public page cache', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestTenant;
  let people: TestPeople;
  const visitor = `cs_vid=${randomUUID()}`;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    a = await createTestHospital(app);
    // b is the other cache: only its public pages are read, nobody signs in there.
    b = await createTestTenant(app);
    people = a.people;
  });

  afterAll(() => app.close());

  const get = (host: string, path: string, headers: Record<string, string> = {}) =>
    request(app.getHttpServer())
      .get(path)
      .set('Host', host)
      .set({ cookie: visitor, accept: 'text/html', ...headers });

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

  it('compresses public pages for browsers that take it (brotli, else gzip), from the cache too, and never a page with a secret', async () => {
    // The raw bytes, as a browser receives them (superagent would decompress them).
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const req = httpGet(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            path,
            agent: false,
            headers: { host: a.host, cookie: visitor, accept: 'text/html', ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
      });
    // The miss that fills the cache answers compressed already; then every coding is served from the cache.
    const miss = await raw('/physicians', { 'accept-encoding': 'gzip, deflate, br' });
    expect([miss.headers['x-page-cache'], miss.headers['content-encoding']]).toEqual([undefined, 'br']);
    const plain = await raw('/physicians', { 'accept-encoding': 'identity' });
    expect([plain.headers['x-page-cache'], plain.headers['content-encoding']]).toEqual(['hit', undefined]);
    expect(plain.headers.vary).toMatch(/Accept-Encoding/);
    const html = plain.body.toString('utf8');
    expect(html).toContain(a.name);
    expect(brotliDecompressSync(miss.body).toString('utf8')).toBe(html);
    const br = await raw('/physicians', { 'accept-encoding': 'gzip, deflate, br' });
    expect([br.headers['x-page-cache'], br.headers['content-encoding'], br.headers.vary]).toEqual(['hit', 'br', plain.headers.vary]);
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(html);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(html.length / 2);
    const gz = await raw('/physicians', { 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect([gz.headers['x-page-cache'], gz.headers['content-encoding']]).toEqual(['hit', 'gzip']);
    expect(gunzipSync(gz.body).toString('utf8')).toBe(html);
    // A first visit (not cacheable: attribution sets the visitor cookie) is compressed as well.
    const first = await raw('/physicians', { cookie: '', 'accept-encoding': 'gzip' });
    expect(first.headers['content-encoding']).toBe('gzip');
    // A form token, or anything a signed-in person sees, goes uncompressed (BREACH).
    const form = await raw('/sign-in', { 'accept-encoding': 'gzip, br' });
    expect(form.headers['content-encoding']).toBeUndefined();
    expect(form.body.toString('utf8')).toContain('name="_csrf"');
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, people.patient);
    const signedIn = await raw('/physicians', { cookie: patient.cookieHeader(), 'accept-encoding': 'gzip, br' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers['content-encoding']).toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
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

  it('keeps a hospital’s pages when another hospital changes', async () => {
    await get(a.host, '/faq');
    expect((await get(a.host, '/faq')).headers['x-page-cache']).toBe('hit');
    await get(b.host, '/faq');
    expect((await get(b.host, '/faq')).headers['x-page-cache']).toBe('hit');
    await applyTestBlueprint(app, testBlueprint(b.slug, { name: `${b.name} Renamed` }));
    await eventually(async () => expect((await get(b.host, '/faq')).text).toContain(`${b.name} Renamed`), 5000);
    expect((await get(a.host, '/faq')).headers['x-page-cache']).toBe('hit');
  });
});
