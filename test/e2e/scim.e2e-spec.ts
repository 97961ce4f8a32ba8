import { TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TEST_PASSWORD, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The hospital's directory provisions and deprovisions staff over SCIM 2.0 with a token its admin created. */
describe('SCIM 2.0 provisioning', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let tokenA: string;
  let tokenB: string;

  /** The admin creates a token in the console; it is shown once, on the answer to the form. */
  async function tokenFor(hospital: TestHospital): Promise<string> {
    const admin = new WebClient(app, hospital.host);
    await signInStaff(admin, hospital.people.admin);
    const page = await admin.submit('/console/settings/sso', { tokenName: 'Entra ID' }, '/console/settings/sso/scim-tokens');
    expect(page.status).toBe(200);
    const token = /(scim_[\w-]+)/.exec(page.text)?.[1];
    expect(token).toBeDefined();
    expect((await admin.get('/console/settings/sso')).text).not.toContain(token);
    return token!;
  }

  const scim = (hospital: TestHospital, token: string) => ({
    get: (path: string) => request(app.getHttpServer()).get(path).set('Host', hospital.host).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object) =>
      request(app.getHttpServer())
        .post(path)
        .set('Host', hospital.host)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json')
        .send(JSON.stringify(body)),
    patch: (path: string, body: object) =>
      request(app.getHttpServer())
        .patch(path)
        .set('Host', hospital.host)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json')
        .send(JSON.stringify(body)),
    put: (path: string, body: object) =>
      request(app.getHttpServer())
        .put(path)
        .set('Host', hospital.host)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json')
        .send(JSON.stringify(body)),
    delete: (path: string) => request(app.getHttpServer()).delete(path).set('Host', hospital.host).set('Authorization', `Bearer ${token}`),
  });

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app));
    tokenA = await tokenFor(a);
    tokenB = await tokenFor(b);
  });

  afterAll(() => app.close());

  it('creates a person, finds them by userName, and refuses a duplicate in SCIM’s error JSON', async () => {
    const email = `new.doctor@${a.slug}.example.net`;
    const created = await scim(a, tokenA).post('/scim/v2/Users', {
      schemas: [USER],
      userName: email,
      externalId: 'ext-1',
      name: { givenName: 'New', familyName: 'Doctor' },
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(created.body).toMatchObject({ schemas: [USER], userName: email, externalId: 'ext-1', active: true, displayName: 'New Doctor' });
    expect(created.headers.location).toMatch(new RegExp(`/scim/v2/Users/${created.body.id}$`));

    const found = await scim(a, tokenA).get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${email.toUpperCase()}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id, userName: email }] });
    const none = await scim(a, tokenA).get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@example.net"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

    const duplicate = await scim(a, tokenA).post('/scim/v2/Users', { schemas: [USER], userName: email });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      schemas: [ERROR],
      status: '409',
      scimType: 'uniqueness',
      detail: 'A staff member with this userName already exists at this hospital.',
    });
    const bad = await scim(a, tokenA).post('/scim/v2/Users', { schemas: [USER], userName: 'not an email' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidValue' });
    const badFilter = await scim(a, tokenA).get(`/scim/v2/Users?filter=${encodeURIComponent('name.familyName co "x"')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidFilter' });
  });

  it('deactivation ends the person’s sessions at once: their next request is signed out', async () => {
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console')).status).toBe(200);
    const listed = await scim(a, tokenA).get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${a.people.coordinator.email}"`)}`);
    const id = listed.body.Resources[0].id as string;

    const patched = await scim(a, tokenA).patch(`/scim/v2/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, active: false });
    expect((await coordinator.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
    // The password opens nothing either.
    expect(
      (await new WebClient(app, a.host).submit('/console/sign-in', { email: a.people.coordinator.email, password: TEST_PASSWORD })).status,
    ).toBe(400);

    const reactivated = await scim(a, tokenA).patch(`/scim/v2/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(reactivated.body).toMatchObject({ active: true });
    await signInStaff(new WebClient(app, a.host), a.people.coordinator);

    const unsupported = await scim(a, tokenA).patch(`/scim/v2/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'emails', value: [] }],
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.detail).toBe('Only active and displayName can be changed; emails cannot.');
  });

  it('deletion signs the person out and makes them unknown to the directory; the audit log keeps each step', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const removed = await scim(a, tokenA).delete(`/scim/v2/Users/${a.people.physician.id}`);
    expect(removed.status).toBe(204);
    expect((await physician.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
    const gone = await scim(a, tokenA).get(`/scim/v2/Users/${a.people.physician.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
    const audit = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT action, actor_kind FROM audit_events WHERE action LIKE 'staff.scim_%' ORDER BY occurred_at`),
      );
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'staff.scim_create', actor_kind: 'directory' },
        { action: 'staff.scim_deactivate', actor_kind: 'directory' },
        { action: 'staff.scim_delete', actor_kind: 'directory' },
      ]),
    );
  });

  it('tells a directory what it supports: ServiceProviderConfig, ResourceTypes and Schemas, behind the same token', async () => {
    const config = await scim(a, tokenA).get('/scim/v2/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(config.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      sort: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken' }],
    });
    const types = await scim(a, tokenA).get('/scim/v2/ResourceTypes');
    expect(types.body).toMatchObject({ totalResults: 1, Resources: [{ id: 'User', endpoint: '/Users', schema: USER }] });
    expect(types.body.Resources[0].meta.location).toMatch(new RegExp(`^http://${a.host}(:\\d+)?/scim/v2/ResourceTypes/User$`));
    expect((await scim(a, tokenA).get('/scim/v2/ResourceTypes/User')).body).toMatchObject({ id: 'User', schema: USER });
    const schemas = await scim(a, tokenA).get('/scim/v2/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER]);
    const user = await scim(a, tokenA).get(`/scim/v2/Schemas/${USER}`);
    const userName = user.body.attributes.find((attribute: { name: string }) => attribute.name === 'userName');
    expect(userName).toMatchObject({ required: true, mutability: 'immutable', uniqueness: 'server' });
    expect(user.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(
      expect.arrayContaining(['displayName', 'active', 'name', 'emails']),
    );
    const unknown = await scim(a, tokenA).get('/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ schemas: [ERROR], status: '404' });
    expect((await scim(a, tokenA).get('/scim/v2/ResourceTypes/Group')).status).toBe(404);
    // Discovery answers no one the hospital has not let in: no token, or another hospital's.
    expect((await request(app.getHttpServer()).get('/scim/v2/ServiceProviderConfig').set('Host', a.host)).status).toBe(401);
    expect((await scim(a, tokenB).get('/scim/v2/Schemas')).status).toBe(401);
  });

  it('PUT replaces the person’s name, externalId and state; it ends their sessions, and cannot rename them', async () => {
    const email = `put.doctor@${a.slug}.example.net`;
    const created = await scim(a, tokenA).post('/scim/v2/Users', { schemas: [USER], userName: email, displayName: 'Put Doctor' });
    const id = created.body.id as string;
    const replaced = await scim(a, tokenA).put(`/scim/v2/Users/${id}`, {
      schemas: [USER],
      userName: email.toUpperCase(),
      externalId: 'ext-put',
      name: { givenName: 'Renamed', familyName: 'Doctor' },
      active: true,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, userName: email, externalId: 'ext-put', displayName: 'Renamed Doctor', active: true });
    expect((await scim(a, tokenA).get(`/scim/v2/Users/${id}`)).body).toMatchObject({ displayName: 'Renamed Doctor' });

    // PUT with active false is a deactivation like PATCH's: a signed-in person is signed out at once.
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    const coordinatorId = (
      await scim(a, tokenA).get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${a.people.coordinator.email}"`)}`)
    ).body.Resources[0].id as string;
    const off = await scim(a, tokenA).put(`/scim/v2/Users/${coordinatorId}`, {
      schemas: [USER],
      userName: a.people.coordinator.email,
      displayName: 'Coordinator',
      active: false,
    });
    expect(off.body).toMatchObject({ active: false });
    expect((await coordinator.get('/console')).location).toBe('/console/sign-in?next=%2Fconsole');
    const on = await scim(a, tokenA).put(`/scim/v2/Users/${coordinatorId}`, { schemas: [USER], userName: a.people.coordinator.email });
    expect(on.body).toMatchObject({ active: true });

    const renamed = await scim(a, tokenA).put(`/scim/v2/Users/${id}`, { schemas: [USER], userName: `other@${a.slug}.example.net` });
    expect(renamed.status).toBe(400);
    expect(renamed.body).toMatchObject({ schemas: [ERROR], scimType: 'mutability' });
    expect(renamed.body.detail).toMatch(/^userName cannot be changed here/);
    expect((await scim(a, tokenA).put(`/scim/v2/Users/${id}`, { schemas: [USER] })).status).toBe(400);
    // Another hospital cannot replace A's people, with its own token on its own host.
    expect((await scim(b, tokenB).put(`/scim/v2/Users/${id}`, { schemas: [USER], userName: email })).status).toBe(404);
    expect((await scim(a, tokenA).get(`/scim/v2/Users/${id}`)).body).toMatchObject({ externalId: 'ext-put' });
  });

  it('another hospital’s token is refused (401), and another hospital’s people are not found (404)', async () => {
    const withB = await scim(a, tokenB).get('/scim/v2/Users');
    expect(withB.status).toBe(401);
    expect(withB.body).toMatchObject({ schemas: [ERROR], status: '401' });
    expect((await scim(a, 'scim_made-up').get('/scim/v2/Users')).status).toBe(401);
    expect((await request(app.getHttpServer()).get('/scim/v2/Users').set('Host', a.host)).status).toBe(401);
    // B's own token on B's host cannot see or change A's people.
    expect((await scim(b, tokenB).get(`/scim/v2/Users/${a.people.admin.id}`)).status).toBe(404);
    expect((await scim(b, tokenB).delete(`/scim/v2/Users/${a.people.admin.id}`)).status).toBe(404);
    const listB = await scim(b, tokenB).get('/scim/v2/Users');
    expect(listB.body.Resources.map((r: { userName: string }) => r.userName)).not.toContain(a.people.admin.email);
    // A staff session cookie is not a SCIM credential.
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    expect((await request(app.getHttpServer()).get('/scim/v2/Users').set('Host', a.host).set('Cookie', admin.cookieHeader())).status).toBe(
      403,
    );
    // A revoked token stops working at once.
    const page = await admin.get('/console/settings/sso');
    const revokeAction = /action="(\/console\/settings\/sso\/scim-tokens\/[\w-]+\/revoke)"/.exec(page.text)![1];
    expect((await admin.post(revokeAction)).status).toBe(303);
    expect((await scim(a, tokenA).get('/scim/v2/Users')).status).toBe(401);
  });
});
