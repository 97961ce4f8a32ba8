import { AccountMail, IdentityModule } from '@consilium/identity';
import { RosterConsoleModule } from '@consilium/roster';
import { BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { postMultipart } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** A text key shown as itself: its words are missing from the lib's i18n files. */
const UNTRANSLATED = /\b(catalog|roster|marketing|site|identity)\.(console|operator)\.[A-Za-z]/;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');

describe('admin console: roster', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let adminA: WebClient;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, RosterConsoleModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    adminA = new WebClient(app, a.host);
    await signInStaff(adminA, peopleA.admin);
  });

  afterAll(() => app.close());

  const form = (overrides: Record<string, string | string[]> = {}) => ({
    name: 'Dr. Rosa Ortega',
    credentials: 'MD, PhD',
    title_en: 'Interventional cardiologist',
    bio_en: 'Twenty years of structural heart disease.',
    accepting_new_cases: '1',
    weekly_capacity: '7',
    stipend: '250.00',
    specialties: [a.specialtySlug],
    license_0_jurisdiction: 'US-NY',
    license_0_number: 'NY-777',
    license_0_expires: '2030-06-30',
    license_1_jurisdiction: 'us-il',
    license_1_number: 'IL-123',
    license_1_expires: '2029-01-31',
    ...overrides,
  });

  async function physicianRow(tenantId: string, slug: string): Promise<Record<string, unknown>> {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      const [row] = (
        await pg.query(
          'SELECT id, name, weekly_capacity, stipend_minor, accepting_new_cases FROM physicians WHERE tenant_id = $1 AND slug = $2',
          [tenantId, slug],
        )
      ).rows;
      const licenses = (
        await pg.query(
          'SELECT jurisdiction, number FROM physician_licenses WHERE tenant_id = $1 AND physician_id = $2 ORDER BY jurisdiction',
          [tenantId, row.id],
        )
      ).rows;
      return { ...row, licenses };
    } finally {
      await pg.end();
    }
  }

  it('edits a physician and their licenses: the profile page shows it on the next request, and export carries it', async () => {
    const list = await adminA.get('/console/roster');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`/console/roster/${a.physicianSlug}`);
    const page = await adminA.get(`/console/roster/${a.physicianSlug}`);
    expect(page.text).toContain('value="NY-');
    for (const lang of ['en', 'es']) {
      expect((await adminA.get('/console/roster', { 'accept-language': lang })).text).not.toMatch(UNTRANSLATED);
      expect((await adminA.get(`/console/roster/${a.physicianSlug}`, { 'accept-language': lang })).text).not.toMatch(UNTRANSLATED);
    }
    const saved = await adminA.post(`/console/roster/${a.physicianSlug}`, form());
    expect(saved.status).toBe(303);

    const profile = await new WebClient(app, a.host).get(`/physicians/${a.physicianSlug}`);
    expect(profile.text).toContain('Dr. Rosa Ortega');
    expect(profile.text).toContain('Interventional cardiologist');
    expect(profile.text).toContain('Illinois');

    const exported = (await app.get(BlueprintExporter).export(a.slug))!.blueprint.physicians!.find((p) => p.slug === a.physicianSlug)!;
    expect(exported).toMatchObject({ name: 'Dr. Rosa Ortega', credentials: 'MD, PhD', weekly_capacity: 7, stipend: '250.00' });
    expect(exported.licenses).toEqual([
      { jurisdiction: 'US-IL', number: 'IL-123', expires: '2029-01-31' },
      { jurisdiction: 'US-NY', number: 'NY-777', expires: '2030-06-30' },
    ]);

    // Unticking "accepting" and removing a license.
    const { accepting_new_cases: _unticked, ...rest } = form({ license_1_remove: '1' });
    expect((await adminA.post(`/console/roster/${a.physicianSlug}`, rest)).status).toBe(303);
    const row = await physicianRow(a.id, a.physicianSlug);
    expect(row).toMatchObject({ accepting_new_cases: false, licenses: [{ jurisdiction: 'US-NY', number: 'NY-777' }] });
    expect((await new WebClient(app, a.host).get(`/physicians/${a.physicianSlug}`)).text).not.toContain('Illinois');
  });

  it('refuses an unknown jurisdiction, an impossible date and a bad capacity beside their fields, keeps the input, and changes nothing', async () => {
    const before = await physicianRow(a.id, a.physicianSlug);
    await adminA.get(`/console/roster/${a.physicianSlug}`);
    const refused = await adminA.post(
      `/console/roster/${a.physicianSlug}`,
      form({
        name: 'Changed Name',
        license_1_jurisdiction: 'US-ZZ',
        license_0_expires: '2026-13-01',
        weekly_capacity: '500',
        stipend: '-1',
      }),
    );
    expect(refused.status).toBe(400);
    // A thirteenth month once made this form answer 500 (an Invalid Date thrown while checking it).
    expect(refused.text).toContain('Enter a date as YYYY-MM-DD, e.g. 2027-06-30.');
    expect(refused.text).toContain('value="2026-13-01"');
    expect(refused.text).toContain('Enter a US state as US-XX (e.g. US-IL) or a country code (e.g. MX).');
    expect(refused.text).toContain('id="f-license_1_jurisdiction-error"');
    expect(refused.text).toContain('value="US-ZZ"');
    expect(refused.text).toContain('value="Changed Name"');
    expect(refused.text).toContain('Enter a whole number of cases between 0 and 100.');
    expect(refused.text).toContain('The amount must not be negative.');
    expect(await physicianRow(a.id, a.physicianSlug)).toEqual(before);
  });

  it('adds a physician with a license; a taken address name or an unknown specialty adds nothing', async () => {
    const page = await adminA.get('/console/roster/new');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(UNTRANSLATED);
    const fields = {
      ...form({ name: 'Dr. Lee Park', license_1_jurisdiction: '', license_1_number: '', license_1_expires: '' }),
      slug: 'lee-park',
      specialties: [a.specialtySlug],
    };
    expect((await adminA.post('/console/roster', fields)).status).toBe(303);
    const profile = await new WebClient(app, a.host).get('/physicians/lee-park');
    expect(profile.status).toBe(200);
    expect(profile.text).toContain('Dr. Lee Park');
    const exported = (await app.get(BlueprintExporter).export(a.slug))!.blueprint.physicians!;
    expect(exported.map((p) => p.slug)).toEqual([a.physicianSlug, 'lee-park']);
    expect(exported[1]).toMatchObject({
      licenses: [{ jurisdiction: 'US-NY', number: 'NY-777', expires: '2030-06-30' }],
      stipend: '250.00',
    });

    await adminA.get('/console/roster/new');
    const taken = await adminA.post('/console/roster', { ...fields, name: 'Someone Else' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('Another physician already uses the address name &quot;lee-park&quot;.');
    expect(taken.text).toContain('value="Someone Else"');
    const unknown = await adminA.post('/console/roster', { ...fields, slug: 'nobody', specialties: ['spec-of-nobody'] });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('There is no specialty &quot;spec-of-nobody&quot;.');
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.physicians!.map((p) => [p.slug, p.name])).toEqual([
      [a.physicianSlug, 'Dr. Rosa Ortega'],
      ['lee-park', 'Dr. Lee Park'],
    ]);
  });

  it('sets a physician’s photo judged by its content: the profile shows it at once, export carries it, removing it deletes the file', async () => {
    const photoPath = `/console/roster/${a.physicianSlug}/photo`;
    const editPath = `/console/roster/${a.physicianSlug}`;
    for (const [name, bytes] of [
      ['drawing.png', SVG],
      ['empty.png', Buffer.alloc(0)],
    ] as const) {
      const refused = await postMultipart(app, adminA, editPath, photoPath, {}, { field: 'photo', name, bytes, type: 'image/png' });
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/id="f-photo-error">(A photo must be a JPEG, PNG or WebP image\.|Choose an image file\.)</);
      expect(refused.text).toContain('value="Dr. Rosa Ortega"');
    }
    expect(
      (await app.get(BlueprintExporter).export(a.slug))!.blueprint.physicians!.find((p) => p.slug === a.physicianSlug)!.photo,
    ).toBeUndefined();

    const saved = await postMultipart(
      app,
      adminA,
      editPath,
      photoPath,
      {},
      { field: 'photo', name: 'me.bin', bytes: PNG, type: 'application/octet-stream' },
    );
    expect([saved.status, saved.location]).toEqual([303, `${editPath}?photo=1`]);
    const profile = await new WebClient(app, a.host).get(`/physicians/${a.physicianSlug}`);
    const src = new RegExp(`src="(/brand/[0-9a-f]+/physician-${a.physicianSlug}\\.png)"`).exec(profile.text)?.[1];
    expect(src).toBeDefined();
    const image = await request(app.getHttpServer()).get(src!).set('Host', a.host).responseType('blob');
    expect([image.status, image.headers['content-type'], Buffer.compare(image.body as Buffer, PNG)]).toEqual([200, 'image/png', 0]);
    expect((await adminA.get(editPath)).text).toContain(`src="${src}"`);
    const exported = (await app.get(BlueprintExporter).export(a.slug))!;
    expect(exported.blueprint.physicians!.find((p) => p.slug === a.physicianSlug)!.photo).toBe(`assets/physician-${a.physicianSlug}.png`);
    expect(exported.assets.map((x) => x.name)).toContain(`physician-${a.physicianSlug}.png`);
    // Another hospital's host does not serve it.
    expect((await request(app.getHttpServer()).get(src!).set('Host', b.host)).status).toBe(404);

    const removed = await postMultipart(app, adminA, editPath, photoPath, { remove_photo: '1' });
    expect(removed.status).toBe(303);
    expect((await new WebClient(app, a.host).get(`/physicians/${a.physicianSlug}`)).text).not.toContain(`physician-${a.physicianSlug}.png`);
    expect((await app.get(BlueprintExporter).export(a.slug))!.assets.map((x) => x.name)).not.toContain(`physician-${a.physicianSlug}.png`);
  });

  it("is 404 for another hospital's physician, and 403 for a coordinator", async () => {
    const before = await physicianRow(a.id, a.physicianSlug);
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, peopleB.admin);
    expect((await adminB.get(`/console/roster/${a.physicianSlug}`)).status).toBe(404);
    expect(
      (await adminB.post(`/console/roster/${a.physicianSlug}`, form({ name: 'Hijacked', specialties: [b.specialtySlug] }))).status,
    ).toBe(404);
    await adminB.get('/console/roster/new');
    const planted = await adminB.post('/console/roster', { ...form({ name: 'Planted' }), slug: 'planted', specialties: [a.specialtySlug] });
    expect(planted.status).toBe(400);
    expect(planted.text).toContain(`There is no specialty &quot;${a.specialtySlug}&quot;.`);
    // B's own form's token, aimed at A's physician's photo.
    const token = /\/photo\?_csrf=([^"]+)"/.exec((await adminB.get(`/console/roster/${b.physicianSlug}`)).text)![1];
    const hijack = await request(app.getHttpServer())
      .post(`/console/roster/${a.physicianSlug}/photo?_csrf=${token}`)
      .set('Host', b.host)
      .set('Cookie', adminB.cookieHeader())
      .attach('photo', PNG, { filename: 'x.png', contentType: 'image/png' });
    expect(hijack.status).toBe(404);

    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.get('/console/roster')).status).toBe(403);
    // A page of its own first, so the form carries a valid token and the refusal is the role's, not CSRF's.
    expect((await coordinator.get('/console')).status).toBe(200);
    const refusedPost = await coordinator.post(`/console/roster/${a.physicianSlug}`, form({ name: 'Hijacked' }));
    expect(refusedPost.status).toBe(403);
    expect(refusedPost.text).not.toContain('This form has expired');
    expect(await physicianRow(a.id, a.physicianSlug)).toEqual(before);
  });
});
