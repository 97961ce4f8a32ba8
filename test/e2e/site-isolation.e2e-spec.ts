import { TenantDatabase } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

/** Every tenant table this issue adds. */
const TABLES = [
  'specialties',
  'offerings',
  'offering_add_ons',
  'price_rules',
  'physicians',
  'physician_specialties',
  'physician_licenses',
  'funding_programs',
  'site_pages',
  'faqs',
  'testimonials',
  'visits',
];

describe('site data isolation between hospitals', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    const rich = {
      funding_programs: [{ slug: 'fund', name: 'Fund', description: 'Pays.', covers_percent: 50, budget: '1000.00' }],
      landing: { hero: { title: 'Welcome' } },
      testimonials: [{ quote: 'Great.', author: 'A. Patient' }],
    };
    // Rows and public pages only: nobody signs in, so tenants without people are enough.
    a = await createTestTenant(app, rich);
    b = await createTestTenant(app, rich);
    // A landing, so A has a visit.
    await request(app.getHttpServer()).get('/?utm_source=test').set('Host', a.host).expect(200);
  });

  afterAll(() => app.close());

  const db = () => app.get(TenantDatabase);

  it.each(TABLES)('shows %s rows of tenant A to A, and none of them to B', async (table) => {
    const count = (tenant: TestTenant) =>
      db().forTenant(
        tenant.id,
        async (tx) => (await tx.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [a.id]))[0].n,
      );
    expect(await count(a)).toBeGreaterThan(0);
    expect(await count(b)).toBe(0);
    // Nor can B change them: an update aimed at A's rows touches nothing.
    const [, touched] = await db().forTenant(b.id, (tx) =>
      tx.query(`UPDATE ${table} SET tenant_id = tenant_id WHERE tenant_id = $1`, [a.id]),
    );
    expect(touched).toBe(0);
  });

  it("refuses rows written under another tenant's id (WITH CHECK)", async () => {
    const attempts = [
      [`INSERT INTO faqs (tenant_id, topic, question, answer) VALUES ($1, 'general', '"q"', '"a"')`],
      [`INSERT INTO visits (tenant_id, visitor_id, landing_path, locale) VALUES ($1, gen_random_uuid(), '/', 'en')`],
      [
        `INSERT INTO physicians (tenant_id, slug, name, title, bio, weekly_capacity, stipend_minor, stipend_currency) VALUES ($1, 'x', 'X', '"t"', '"b"', 1, 0, 'USD')`,
      ],
      [`INSERT INTO site_pages (tenant_id, key, content) VALUES ($1, 'terms', '{}')`],
    ];
    for (const [sql] of attempts) {
      await expect(db().forTenant(b.id, (tx) => tx.query(sql, [a.id]))).rejects.toThrow(/row-level security/);
    }
  });

  it("cannot point a row at another tenant's row (composite foreign keys)", async () => {
    const [specialty] = await db().forTenant(a.id, (tx) => tx.query('SELECT id FROM specialties WHERE tenant_id = $1', [a.id]));
    await expect(
      db().forTenant(b.id, (tx) =>
        tx.query(
          `INSERT INTO offerings (tenant_id, specialty_id, slug, name, description, price_minor, currency, turnaround_business_days, follow_up_questions)
           VALUES ($1, $2, 'stolen', '"n"', '"d"', 1, 'USD', 1, 0)`,
          [b.id, specialty.id],
        ),
      ),
    ).rejects.toThrow(/violates foreign key constraint/);
  });

  it("answers 404 for A's specialty, physician and a page built from them on B's host", async () => {
    const server = app.getHttpServer();
    await request(server).get(`/specialties/${a.specialtySlug}`).set('Host', a.host).expect(200);
    await request(server).get(`/physicians/${a.physicianSlug}`).set('Host', a.host).expect(200);
    await request(server).get(`/specialties/${a.specialtySlug}`).set('Host', b.host).expect(404);
    await request(server).get(`/physicians/${a.physicianSlug}`).set('Host', b.host).expect(404);
    const pricing = await request(server).get('/pricing').set('Host', b.host).expect(200);
    expect(pricing.text).not.toContain(a.offeringSlug);
    expect(pricing.text).not.toContain(a.name);
  });
});
