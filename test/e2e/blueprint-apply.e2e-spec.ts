import { OfferingsService } from '@consilium/catalog';
import { NotFound, TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { PhysiciansService } from '@consilium/roster';
import { BlueprintCatalog, ConsoleEditsConflict, TenantResolver, TenantSettingsService } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { asTenant } from '../support/as-tenant';
import { eventually } from '../support/eventually';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestTenant, testBlueprint } from '../support/tenants';

describe('applying blueprints', () => {
  let one: NestFastifyApplication;
  let two: NestFastifyApplication;

  beforeAll(async () => {
    one = await createTestApp();
    two = await createTestApp();
  });

  afterAll(() => Promise.all([one.close(), two.close()]));

  // The runtime role, under row-level security: only the tenant's own rows.
  const rows = (tenantId: string, sql: string) => one.get(TenantDatabase).forTenant(tenantId, (tx) => tx.query(sql));

  it('applies the demo hospitals, then says "no changes" the second time', async () => {
    const catalog = one.get(BlueprintCatalog);
    await catalog.apply(['lakeshore', 'meridian']);
    const again = await catalog.apply(['lakeshore', 'meridian']);
    expect(again.problems).toEqual([]);
    expect(again.kept.map((k) => k.message)).toEqual([]);
    expect(again.results.map((r) => [r.slug, r.changes])).toEqual([
      ['lakeshore', []],
      ['meridian', []],
    ]);
  });

  it('prints what a dry run would change, and changes nothing', async () => {
    const slug = `t-dry${Date.now().toString(36)}`;
    const input = testBlueprint(slug);
    const dry = await applyTestBlueprint(one, input, { dryRun: true });
    expect(dry.created).toBe(true);
    expect(dry.changes).toEqual(
      expect.arrayContaining([
        `create tenant ${slug} (Test Hospital ${slug})`,
        `add specialty spec-${slug.slice(2)}`,
        `add offering review-${slug.slice(2)}`,
        `add add-on review-${slug.slice(2)}/imaging-reread`,
        'add price rule out_of_state',
        `add physician doc-${slug.slice(2)}`,
        `add license doc-${slug.slice(2)} US-NY`,
        'update faqs (1)',
      ]),
    );
    const [found] = await one
      .get(OperatorDatabase)
      .transaction((tx) => tx.query('SELECT count(*)::int AS n FROM tenants WHERE slug = $1', [slug]));
    expect(found.n).toBe(0);
  });

  it('reports each edit precisely, deactivates what was removed, keeps its history, and reactivates it', async () => {
    // Applying blueprints and console services works on the catalog, not on accounts: no people needed.
    const tenant = await createTestTenant(one);
    const base = testBlueprint(tenant.slug);
    const second = { ...base.physicians![0], slug: 'second-doc', name: 'Second Doc' };
    const edited = testBlueprint(tenant.slug, {
      offerings: [{ ...base.offerings![0], price: '550.00', add_ons: [] }],
      physicians: [{ ...base.physicians![0], licenses: [] }, second],
    });
    const result = await applyTestBlueprint(one, edited);
    expect(result.changes).toEqual([
      `update offering ${tenant.offeringSlug}: price_minor 50000 -> 55000`,
      `deactivate add-on ${tenant.offeringSlug}/imaging-reread`,
      `remove license ${tenant.physicianSlug} US-NY`,
      'add physician second-doc',
      'add license second-doc US-NY',
    ]);

    const removed = testBlueprint(tenant.slug, { offerings: edited.offerings, physicians: [second] });
    expect((await applyTestBlueprint(one, removed)).changes).toEqual([
      'update physician second-doc: position 1 -> 0',
      `deactivate physician ${tenant.physicianSlug}`,
    ]);
    // Kept, not deleted: a case that named this physician still can.
    expect(await rows(tenant.id, `SELECT slug, active FROM physicians ORDER BY slug`)).toEqual([
      { slug: tenant.physicianSlug, active: false },
      { slug: 'second-doc', active: true },
    ]);
    await eventually(() => request(two.getHttpServer()).get(`/physicians/${tenant.physicianSlug}`).set('Host', tenant.host).expect(404));
    const listing = await request(two.getHttpServer()).get('/physicians').set('Host', tenant.host).expect(200);
    expect(listing.text).toContain('Second Doc');

    expect((await applyTestBlueprint(one, edited)).changes).toEqual([
      `reactivate physician ${tenant.physicianSlug}`,
      'update physician second-doc: position 0 -> 1',
    ]);
    await eventually(() => request(two.getHttpServer()).get(`/physicians/${tenant.physicianSlug}`).set('Host', tenant.host).expect(200));
    expect((await applyTestBlueprint(one, edited)).changes).toEqual([]);
  });

  it('deactivates a removed offering and specialty; the site stops selling them', async () => {
    // Applying blueprints and console services works on the catalog, not on accounts: no people needed.
    const tenant = await createTestTenant(one);
    await request(one.getHttpServer()).get(`/specialties/${tenant.specialtySlug}`).set('Host', tenant.host).expect(200);
    const result = await applyTestBlueprint(one, testBlueprint(tenant.slug, { specialties: [], offerings: [], physicians: [] }));
    expect(result.changes).toEqual([
      `deactivate specialty ${tenant.specialtySlug}`,
      `deactivate offering ${tenant.offeringSlug}`,
      `deactivate physician ${tenant.physicianSlug}`,
    ]);
    expect(await rows(tenant.id, 'SELECT slug, active FROM offerings')).toEqual([{ slug: tenant.offeringSlug, active: false }]);
    await eventually(() => request(two.getHttpServer()).get(`/specialties/${tenant.specialtySlug}`).set('Host', tenant.host).expect(404));
    const pricing = await request(two.getHttpServer()).get('/pricing').set('Host', tenant.host).expect(200);
    expect(pricing.text).not.toContain('Test heart review');
  });

  it('shows an admin edit on every instance at once, and the next apply refuses to undo it unless told to', async () => {
    // Applying blueprints and console services works on the catalog, not on accounts: no people needed.
    const tenant = await createTestTenant(one);
    const before = await request(two.getHttpServer()).get('/pricing').set('Host', tenant.host).expect(200);
    expect(before.text).toContain('$500');
    const changes = await asTenant(one, tenant, () => one.get(OfferingsService).update(tenant.offeringSlug, { priceMinor: 61500 }));
    expect(changes).toEqual([`update offering ${tenant.offeringSlug}: price_minor 50000 -> 61500`]);
    const started = Date.now();
    await eventually(
      async () => expect((await request(two.getHttpServer()).get('/pricing').set('Host', tenant.host)).text).toContain('$615'),
      1000,
    );
    console.log(`price edit visible on the second instance after ${Date.now() - started} ms`);
    // The next apply of the unchanged blueprint would silently undo the admin's price: it refuses, naming the edit.
    const refused = applyTestBlueprint(one, testBlueprint(tenant.slug));
    await expect(refused).rejects.toThrow(ConsoleEditsConflict);
    await expect(refused).rejects.toThrow(
      `${tenant.slug} was changed in the console since its last apply (offerings.0.price); applying would undo that. ` +
        `Export it first (npm run cli -- tenants export ${tenant.slug}) and merge, or apply with --overwrite-console-edits`,
    );
    expect((await request(two.getHttpServer()).get('/pricing').set('Host', tenant.host)).text).toContain('$615');
    // Told to, it puts the blueprint's price back, and says what it overwrote.
    expect((await applyTestBlueprint(one, testBlueprint(tenant.slug), { overwriteConsoleEdits: true })).changes).toEqual([
      'overwrite console edits: offerings.0.price',
      `update offering ${tenant.offeringSlug}: price_minor 61500 -> 50000`,
    ]);
    // The apply recorded what it left: the same blueprint again is "no changes", not a refusal.
    expect((await applyTestBlueprint(one, testBlueprint(tenant.slug))).changes).toEqual([]);
  });

  it('applies a blueprint that already says what the console made (an export, merged): no refusal, no changes', async () => {
    const tenant = await createTestTenant(one);
    await asTenant(one, tenant, () => one.get(OfferingsService).update(tenant.offeringSlug, { priceMinor: 61500 }));
    const merged = testBlueprint(tenant.slug);
    merged.offerings![0].price = '615.00';
    expect((await applyTestBlueprint(one, merged)).changes).toEqual([]);
    // A blueprint that changes something else still applies; the console's price stays.
    merged.offerings![0].turnaround_days = 9;
    expect((await applyTestBlueprint(one, merged)).changes).toEqual([
      `update offering ${tenant.offeringSlug}: turnaround_business_days 5 -> 9`,
    ]);
  });

  it('shows an admin change of licensure policy and colours on the site at once', async () => {
    // Applying blueprints and console services works on the catalog, not on accounts: no people needed.
    const tenant = await createTestTenant(one);
    const how = () => request(two.getHttpServer()).get('/how-it-works').set('Host', tenant.host);
    expect((await how().expect(200)).text).toContain('If you live in another state, you receive an educational opinion');
    const resolved = (await one.get(TenantResolver).resolve(tenant.host))!;
    const changed = await asTenant(one, tenant, () =>
      one.get(TenantSettingsService).update({
        settings: { ...resolved.settings, licensure: { ...resolved.settings.licensure, unlicensedStates: 'decline' } },
        branding: { ...resolved.branding, colors: { ...resolved.branding.colors, primary: '#8b0000' } },
      }),
    );
    expect(changed).toEqual(['settings', 'branding']);
    await eventually(async () => expect((await how()).text).toContain('We cannot give opinions to patients in other states.'), 1000);
    const page = await request(two.getHttpServer()).get('/').set('Host', tenant.host).expect(200);
    const themeUrl = /href="(\/theme\.css[^"]*)"/.exec(page.text)![1].replace(/&#x3D;/g, '=');
    expect((await request(two.getHttpServer()).get(themeUrl).set('Host', tenant.host)).text).toContain('--brand-primary: #8b0000;');
  });

  it("cannot edit another tenant's offering or physician through the console services", async () => {
    // The console services are called directly, with no one signed in: tenants without people are enough.
    const a = await createTestTenant(one);
    const b = await createTestTenant(one);
    await expect(asTenant(one, b, () => one.get(OfferingsService).update(a.offeringSlug, { priceMinor: 1 }))).rejects.toThrow(NotFound);
    await expect(asTenant(one, b, () => one.get(PhysiciansService).update(a.physicianSlug, { weeklyCapacity: 0 }))).rejects.toThrow(
      NotFound,
    );
    expect(await rows(a.id, 'SELECT price_minor FROM offerings')).toEqual([{ price_minor: 50000 }]);
  });
});
