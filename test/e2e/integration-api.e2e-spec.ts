import SwaggerParser from '@apidevtools/swagger-parser';
import { TenantDatabase, Translator } from '@consilium/core';
import { RecordRequests } from '@consilium/intake';
import { AccountMail } from '@consilium/identity';
import { ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { actAs, asPatient, createTestCase, TestCase } from '../support/cases';
import { expectNoLeaks } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const ALL_SCOPES = ['cases.read', 'opinions.read', 'cases.triage', 'conversions.record', 'analytics.read'];
const PROBLEM = 'application/problem+json; charset=utf-8';
/** Nest's route metadata keys (`@nestjs/common/constants`, which its package does not export). */
const PATH_METADATA = 'path';
const METHOD_METADATA = 'method';

/**
 * The integration API as a hospital's systems use it: credentials an admin makes in the console (an API key, an
 * OAuth client), the case feed a page at a time, one case with its timeline, the delivered opinion and its letter,
 * conversions recorded once per Idempotency-Key, records requests, analytics exports; RFC 9457 problems for bad
 * input, a missing scope and another hospital's ids; and the OpenAPI document that describes every route.
 */
describe('integration API (/api/v1)', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let keyA: string;
  let keyB: string;
  let narrowKey: string;
  let client: { id: string; secret: string };
  let submitted: TestCase;
  let delivered: TestCase;
  let caseB: TestCase;

  const server = () => app.getHttpServer();
  const api = (host: string, key: string) => ({
    get: (path: string) => request(server()).get(path).set('Host', host).set('Authorization', `Bearer ${key}`),
    post: (path: string) => request(server()).post(path).set('Host', host).set('Authorization', `Bearer ${key}`),
  });

  /** An admin makes a credential at /console/api-keys; its secret is on the page once. */
  async function makeCredential(hospital: TestHospital, kind: 'key' | 'oauth_client', scopes: string[]) {
    const admin = new WebClient(app, hospital.host);
    await signInStaff(admin, hospital.people.admin);
    const page = await admin.submit('/console/api-keys', { name: `EHR ${kind}`, scopes, kind });
    expect(page.status).toBe(200);
    if (kind === 'key') return { id: '', secret: /<p class="secret">(ck_[A-Za-z0-9_-]+)<\/p>/.exec(page.text)![1] };
    const [, id, secret] = /<code class="secret">([0-9a-f-]{36})<\/code>.*?<code class="secret">(cs_[A-Za-z0-9_-]+)<\/code>/s.exec(
      page.text,
    )!;
    return { id, secret };
  }

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    keyA = (await makeCredential(a, 'key', ALL_SCOPES)).secret;
    keyB = (await makeCredential(b, 'key', ALL_SCOPES)).secret;
    narrowKey = (await makeCredential(a, 'key', ['conversions.record'])).secret;
    client = await makeCredential(a, 'oauth_client', ['cases.read', 'opinions.read']);
    submitted = await createTestCase(app, a, { state: 'submitted' });
    delivered = await createTestCase(app, a, { state: 'delivered' });
    await createTestCase(app, a, { state: 'accepted' });
    caseB = await createTestCase(app, b, { state: 'delivered' });
  });

  afterAll(() => app.close());

  describe('cases', () => {
    it('lists the hospital’s cases a page at a time, each page after the last, with a Link to the next', async () => {
      const seen: string[] = [];
      let path = '/api/v1/cases?limit=2';
      for (let pages = 0; pages < 5 && path; pages++) {
        const res = await api(a.host, keyA).get(path);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data.map((c: { id: string }) => c.id));
        if (res.body.nextCursor) {
          expect(res.headers.link).toContain('rel="next"');
          path = `/api/v1/cases?limit=2&cursor=${res.body.nextCursor}`;
        } else path = '';
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([submitted.id, delivered.id]));
      expect(seen).not.toContain(caseB.id);
    });

    it('filters by state and by updated_since', async () => {
      const onlyDelivered = await api(a.host, keyA).get('/api/v1/cases?state=delivered');
      expect(onlyDelivered.body.data.map((c: { id: string }) => c.id)).toEqual([delivered.id]);
      const two = await api(a.host, keyA).get('/api/v1/cases?state=submitted,delivered');
      expect(two.body.data.map((c: { id: string }) => c.id).sort()).toEqual([submitted.id, delivered.id].sort());
      const future = await api(a.host, keyA).get(`/api/v1/cases?updated_since=${new Date(Date.now() + 3600_000).toISOString()}`);
      expect(future.body).toEqual({ data: [], nextCursor: null });
    });

    it('refuses bad parameters as a problem naming each one, in the client’s language', async () => {
      const res = await api(a.host, keyA).get('/api/v1/cases?state=lost&limit=1000&colour=blue').set('Accept-Language', 'es');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body.errors).toEqual([{ parameter: 'colour', detail: expect.stringContaining('Parámetro desconocido') }]);
      const values = await api(a.host, keyA).get('/api/v1/cases?state=lost&limit=1000');
      expect(values.body).toMatchObject({ type: 'urn:consilium:problem:invalid_input', status: 400, instance: '/api/v1/cases' });
      expect(values.body.errors).toEqual(
        expect.arrayContaining([
          { parameter: 'state', detail: expect.stringContaining('submitted') },
          { parameter: 'limit', detail: 'Must be a whole number from 1 to 200.' },
        ]),
      );
      const cursor = await api(a.host, keyA).get('/api/v1/cases?cursor=not-ours');
      expect(cursor.body.errors).toEqual([{ parameter: 'cursor', detail: expect.stringContaining('nextCursor') }]);
    });

    it('gives one case with its timeline and files (no bytes); another hospital’s case is 404', async () => {
      const res = await api(a.host, keyA).get(`/api/v1/cases/${delivered.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: delivered.id, number: delivered.number, state: 'delivered', records: expect.any(Array) });
      expect(res.body.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['submit', 'accept', 'deliver']));
      expect(JSON.stringify(res.body)).not.toMatch(/storage_key|"bytes"/);
      const other = await api(a.host, keyA).get(`/api/v1/cases/${caseB.id}`);
      expect(other.status).toBe(404);
      expect(other.headers['content-type']).toBe(PROBLEM);
      expect((await api(a.host, keyA).get('/api/v1/cases/not-a-uuid')).status).toBe(404);
      // Hospital B's own key reads its case on its own host, and its key means nothing on A's host.
      expect((await api(b.host, keyB).get(`/api/v1/cases/${caseB.id}`)).status).toBe(200);
      expect((await api(a.host, keyB).get(`/api/v1/cases/${submitted.id}`)).status).toBe(401);
    });

    it('names the scope a key lacks, and asks for credentials when there are none', async () => {
      const res = await api(a.host, narrowKey).get('/api/v1/cases');
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body).toMatchObject({ code: 'api_scope_missing', title: 'This API key or token lacks the scope “cases.read”.' });
      expect(res.body.detail).toContain('/console/api-keys');
      const fr = await api(a.host, narrowKey).get('/api/v1/cases').set('Accept-Language', 'fr');
      expect(fr.body.title).toContain('« cases.read »');
      const none = await request(server()).get('/api/v1/cases').set('Host', a.host);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.body.code).toBe('api_credentials_required');
    });
  });

  it('audits every call like a console read: who (the credential), what, which case, and refusals too', async () => {
    await api(a.host, keyA).get(`/api/v1/cases/${submitted.id}`);
    await api(a.host, narrowKey).get(`/api/v1/cases/${submitted.id}`);
    const rows = await app.get(TenantDatabase).forTenant(a.id, (tx) =>
      tx.query(
        `SELECT actor_kind, action, outcome, subject_id IS NOT NULL AS about_patient FROM audit_events
          WHERE entity_id = $1 AND action = 'api.case.read' ORDER BY occurred_at`,
        [submitted.id],
      ),
    );
    expect(rows).toEqual(
      expect.arrayContaining([
        { actor_kind: 'api_key', action: 'api.case.read', outcome: 'allowed', about_patient: expect.any(Boolean) },
        { actor_kind: 'api_key', action: 'api.case.read', outcome: 'denied', about_patient: expect.any(Boolean) },
      ]),
    );
  });

  describe('opinions', () => {
    it('gives the delivered opinion and its signed letter; not before delivery, not another hospital’s', async () => {
      const res = await api(a.host, keyA).get(`/api/v1/cases/${delivered.id}/opinion`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ caseId: delivered.id, version: 1, letter: { contentType: 'application/pdf' } });
      const pdf = await api(a.host, keyA)
        .get(res.body.letter.url)
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks)));
        });
      expect(pdf.status).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
      expect((pdf.body as Buffer).length).toBe(res.body.letter.sizeBytes);
      expect((await api(a.host, keyA).get(`/api/v1/cases/${submitted.id}/opinion`)).status).toBe(404);
      expect((await api(a.host, keyA).get(`/api/v1/cases/${caseB.id}/opinion`)).status).toBe(404);
      expect((await api(a.host, keyA).get(`/api/v1/cases/${caseB.id}/opinion/letter.pdf`)).status).toBe(404);
    });
  });

  describe('conversions', () => {
    const body = { kind: 'consult_booked', occurredOn: '2026-03-31', value: '250.00' };

    it('records once per Idempotency-Key: a retry answers the first, another body under the same key is refused', async () => {
      const first = await api(a.host, narrowKey)
        .post(`/api/v1/cases/${delivered.id}/conversions`)
        .set('Idempotency-Key', 'visit-1')
        .send(body);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ caseId: delivered.id, kind: 'consult_booked', value: '250.00', source: 'api' });
      const retry = await api(a.host, narrowKey)
        .post(`/api/v1/cases/${delivered.id}/conversions`)
        .set('Idempotency-Key', 'visit-1')
        .send(body);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotency-replayed']).toBe('true');
      expect(retry.body.id).toBe(first.body.id);
      const changed = await api(a.host, narrowKey)
        .post(`/api/v1/cases/${delivered.id}/conversions`)
        .set('Idempotency-Key', 'visit-1')
        .send({ ...body, value: '300.00' });
      expect(changed.status).toBe(422);
      expect(changed.body.code).toBe('idempotency_key_reused');
      const listed = await api(a.host, keyA).get(`/api/v1/cases/${delivered.id}/conversions`);
      expect(listed.body.data.filter((c: { source: string }) => c.source === 'api')).toHaveLength(1);
    });

    it('refuses a body without a key or with bad members, each under its JSON pointer; another hospital’s case is 404', async () => {
      const noKey = await api(a.host, narrowKey).post(`/api/v1/cases/${delivered.id}/conversions`).send(body);
      expect(noKey.status).toBe(400);
      expect(noKey.body.errors).toEqual([{ parameter: 'Idempotency-Key', detail: expect.stringContaining('Idempotency-Key') }]);
      const bad = await api(a.host, narrowKey)
        .post(`/api/v1/cases/${delivered.id}/conversions`)
        .set('Idempotency-Key', 'visit-2')
        .send({ kind: 'lunch', occurredOn: '2026-02-30', extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual(
        expect.arrayContaining([
          { pointer: '#/kind', detail: expect.stringContaining('consult_booked') },
          { pointer: '#/occurredOn', detail: 'Must be a real date.' },
          { pointer: '#/extra', detail: 'Unknown member: remove it.' },
        ]),
      );
      const other = await api(a.host, narrowKey).post(`/api/v1/cases/${caseB.id}/conversions`).set('Idempotency-Key', 'visit-3').send(body);
      expect(other.status).toBe(404);
    });
  });

  describe('records requests', () => {
    it('lists them, gives one with its authorization PDF, and moves its status; another hospital’s is 404', async () => {
      const requestId = await actAs(app, a, asPatient(a.people.patient), () =>
        app.get(RecordRequests).create(submitted.id, {
          providerName: 'Test Imaging Center',
          providerContact: 'records@imaging.example',
          recordsDescribed: 'CT of the chest',
          patientLegalName: 'Test Patient',
          patientBirthDate: '1970-01-01',
          signedName: 'Test Patient',
        }),
      );
      const list = await api(a.host, keyA).get('/api/v1/record-requests?status=open');
      expect(list.status).toBe(200);
      expect(list.body.data.map((r: { id: string }) => r.id)).toContain(requestId);
      const pdf = await api(a.host, keyA).get(`/api/v1/record-requests/${requestId}/authorization.pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const moved = await api(a.host, keyA).post(`/api/v1/record-requests/${requestId}/status`).send({ status: 'sent' });
      expect(moved.status).toBe(200);
      expect(moved.body.status).toBe('sent');
      expect((await api(b.host, keyB).get(`/api/v1/record-requests/${requestId}`)).status).toBe(404);
      expect((await api(b.host, keyB).post(`/api/v1/record-requests/${requestId}/status`).send({ status: 'closed' })).status).toBe(404);
    });
  });

  describe('analytics', () => {
    it('exports the dashboard’s tables as CSV or JSON', async () => {
      const tables = await api(a.host, keyA).get('/api/v1/analytics');
      expect(tables.status).toBe(200);
      const ids = tables.body.data.map((t: { id: string }) => t.id);
      expect(ids.length).toBeGreaterThan(0);
      const csv = await api(a.host, keyA).get(`/api/v1/analytics/${ids[0]}`);
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      const json = await api(a.host, keyA).get(`/api/v1/analytics/${ids[0]}`).set('Accept', 'application/json');
      expect(json.body).toMatchObject({ id: ids[0], columns: expect.any(Array), rows: expect.any(Array) });
      expect((await api(a.host, keyA).get('/api/v1/analytics/no-such-table')).status).toBe(404);
      expect((await api(a.host, keyA).get('/api/v1/analytics/funnel?from=someday')).status).toBe(400);
    });
  });

  describe('OAuth 2.0 client credentials', () => {
    const token = (form: Record<string, string>, basic?: string) => {
      const req = request(server()).post('/api/v1/oauth/token').set('Host', a.host).type('form');
      if (basic) req.set('Authorization', `Basic ${Buffer.from(basic).toString('base64')}`);
      return req.send(form);
    };

    it('trades the client’s id and secret for a scoped bearer token', async () => {
      const res = await token({ grant_type: 'client_credentials', scope: 'cases.read' }, `${client.id}:${client.secret}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'cases.read' });
      const cases = await api(a.host, res.body.access_token).get('/api/v1/cases');
      expect(cases.status).toBe(200);
      const opinion = await api(a.host, res.body.access_token).get(`/api/v1/cases/${delivered.id}/opinion`);
      expect(opinion.status).toBe(403);
      expect((await api(b.host, res.body.access_token).get('/api/v1/cases')).status).toBe(401);
    });

    it('answers RFC 6749 errors that say what to fix', async () => {
      const wrong = await token({ grant_type: 'client_credentials', client_id: client.id, client_secret: 'cs_wrong' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: 'invalid_client', error_description: expect.stringContaining('wrong secret') });
      const grant = await token({ grant_type: 'password' }, `${client.id}:${client.secret}`);
      expect(grant.body.error).toBe('unsupported_grant_type');
      const scope = await token({ grant_type: 'client_credentials', scope: 'analytics.read' }, `${client.id}:${client.secret}`);
      expect(scope.status).toBe(400);
      expect(scope.body.error).toBe('invalid_scope');
      expect(scope.body.error_description).toContain('analytics.read');
      // A client's secret is not an API key.
      expect((await api(a.host, client.secret).get('/api/v1/cases')).status).toBe(401);
    });
  });

  describe('OpenAPI', () => {
    it('serves a valid OpenAPI 3.1 document naming every /api/v1 route the app has', async () => {
      const res = await request(server()).get('/api/v1/openapi.json').set('Host', a.host);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      await SwaggerParser.validate(structuredClone(res.body));

      // Every route of every controller under api/v1, read from Nest's own metadata (not from the document).
      const routes: string[] = [];
      for (const module of app.get(ModulesContainer).values()) {
        for (const { metatype } of module.controllers.values()) {
          if (!metatype) continue;
          const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
          for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
            const handler = (metatype.prototype as Record<string, unknown>)[name];
            if (name === 'constructor' || typeof handler !== 'function') continue;
            const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
            if (path === undefined) continue;
            const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
            const method = ['get', 'post', 'put', 'delete', 'patch'][Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? '?';
            if (full.startsWith('/api/v1/') && full !== '/api/v1/openapi.json') routes.push(`${method} ${full}`);
          }
        }
      }
      expect(routes.length).toBeGreaterThanOrEqual(14);
      const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method} ${path}`),
      );
      expect(routes.filter((r) => !documented.includes(r))).toEqual([]);
    });

    it('renders the reference at /api/docs in the reader’s language, from this host only', async () => {
      const res = await request(server()).get('/api/docs').set('Host', a.host).set('Accept-Language', 'fr');
      expect(res.status).toBe(200);
      expect(res.text).toContain(`API d’intégration de ${a.name}`);
      expect(res.text).not.toMatch(/src="https?:/);
      const bundle = await request(server()).get('/api/docs/assets/swagger-ui-bundle.js').set('Host', a.host);
      expect(bundle.status).toBe(200);
      expect((await request(server()).get('/api/docs/assets/..%2Fpackage.json').set('Host', a.host)).status).toBe(404);
      const translator = app.get(Translator);
      for (const locale of ['en', 'es', 'fr']) {
        const page = await request(server()).get('/api/docs').set('Host', a.host).set('Accept-Language', locale);
        expect(page.text).toContain(`<html lang="${locale}">`);
        expectNoLeaks(page.text, { locale, translator, allow: [a.name], page: '/api/docs' });
      }
    });
  });
});
