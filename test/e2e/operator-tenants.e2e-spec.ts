import { AccountMail, IdentityModule } from '@consilium/identity';
import { BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { parse } from 'yaml';
import { OPERATOR_HOST, postMultipart, signInOperator } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, createTestTenant, TestHospital, testCasePrefix } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** A text key shown as itself: its words are missing from the lib's i18n files. */
const UNTRANSLATED = /\b(catalog|roster|marketing|site|identity)\.(console|operator)\.[A-Za-z]/;

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** An ELF executable's first bytes, named and typed as a PNG. */
const EXECUTABLE = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), randomBytes(256)]);

describe('operator console: hospitals', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let op: WebClient;
  let operatorId: string;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    a = await createTestHospital(app);
    const signedIn = await signInOperator(app);
    op = signedIn.client;
    operatorId = await operatorIdOf(signedIn.email);
  });

  afterAll(() => app.close());

  async function query<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      return (await pg.query(sql, params)).rows as T[];
    } finally {
      await pg.end();
    }
  }

  async function operatorIdOf(email: string): Promise<string> {
    return (await query<{ id: string }>('SELECT id FROM operators WHERE email = $1', [email]))[0].id;
  }

  const wizard = (slug: string, overrides: Record<string, string | string[]> = {}) => ({
    name: `Riverside ${slug}`,
    slug,
    case_prefix: testCasePrefix(slug),
    time_zone: 'America/Denver',
    currency: 'USD',
    locales: ['en', 'es'],
    default_locale: 'en',
    primary_domain: '',
    color_primary: '#7a1f5c',
    color_accent: '#1f7a4d',
    color_text: '#1a1a1a',
    color_background: '#ffffff',
    home_state: 'US-CO',
    unlicensed_states: 'physician_to_physician',
    international: 'educational',
    contact_phone: '+1 303 555 0100',
    contact_email: `care@${slug}.example.org`,
    ...overrides,
  });
  const onboard = (fields: Record<string, string | string[]>, bytes = PNG) =>
    postMultipart(app, op, '/operator/tenants/new', '/operator/tenants', fields, {
      field: 'logo',
      name: 'logo.png',
      bytes,
      type: 'image/png',
    });

  it('onboards a hospital from the wizard, with its logo: its site says "opens soon" until launched, and exports as a blueprint', async () => {
    const slug = `rv-${randomBytes(3).toString('hex')}`;
    const created = await onboard(wizard(slug, { admin_name: 'Dana Admin', admin_email: `dana@${slug}.example.org` }));
    expect(created.status).toBe(303);
    expect(created.location).toBe(`/operator/tenants/${slug}?created=1`);

    const site = new WebClient(app, `${slug}.localhost`);
    // Coming soon until its admin passes the launch checklist (test/e2e/launch.e2e-spec.ts), in its own brand.
    const home = await site.get('/');
    expect(home.status).toBe(503);
    expect(home.text).toContain('This second opinion program opens soon.');
    expect(home.text).toContain(`Riverside ${slug}`);
    const logoUrl = /src="(\/brand\/[^"]+)"/.exec(home.text)?.[1];
    expect(logoUrl).toMatch(/\/brand\/[0-9a-f]+\/logo\.png/);
    const logo = await site.get(logoUrl!);
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect((await site.get('/?lang=es')).text).toContain('Este programa de segunda opinión abre pronto.');

    // The first admin is invited to the new hospital's console, on its own host.
    const invitation = RecordingAccountMail.last(`dana@${slug}.example.org`, 'staff-invitation');
    expect(String(invitation?.data.url)).toContain(`http://${slug}.localhost`);
    const invitationPath = new URL(String(invitation!.data.url)).pathname;
    expect((await site.get(invitationPath)).status).toBe(200);

    for (const path of ['/operator', '/operator/tenants', '/operator/tenants/new', `/operator/tenants/${slug}`]) {
      expect((await op.get(path)).text).not.toMatch(UNTRANSLATED);
    }
    const listed = await op.get('/operator/tenants');
    expect(listed.text).toContain(`/operator/tenants/${slug}`);
    const exported = (await app.get(BlueprintExporter).export(slug))!;
    expect(exported.blueprint).toMatchObject({
      slug,
      case_prefix: testCasePrefix(slug),
      time_zone: 'America/Denver',
      locales: ['en', 'es'],
      branding: { logo: 'assets/logo.png', colors: { primary: '#7a1f5c', accent: '#1f7a4d' } },
      licensure: { home_state: 'US-CO', unlicensed_states: 'physician_to_physician', international: 'educational' },
      contact: { phone: '+1 303 555 0100', email: `care@${slug}.example.org` },
    });
    const [tenant] = await query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [slug]);
    expect(
      await query('SELECT action, outcome FROM operator_audit_events WHERE operator_id = $1 AND entity_id = $2 ORDER BY occurred_at', [
        operatorId,
        tenant.id,
      ]),
    ).toEqual([
      { action: 'tenant.onboard', outcome: 'allowed' },
      { action: 'tenant.invite_admin', outcome: 'allowed' },
    ]);
  });

  it('refuses a "PNG" that is an executable, a taken slug and a taken domain beside their fields, creates nothing, and keeps what was typed', async () => {
    const slug = `rv-${randomBytes(3).toString('hex')}`;
    const fake = await onboard(wizard(slug, { name: 'Kept Name Hospital' }), EXECUTABLE);
    expect(fake.status).toBe(400);
    expect(fake.text).toContain('The file is not an SVG, PNG, JPEG, WebP or ICO image.');
    expect(fake.text).toContain('id="f-logo-error"');
    expect(fake.text).toContain('value="Kept Name Hospital"');
    expect(fake.text).toContain(`value="${slug}"`);

    const taken = await onboard(wizard(a.slug));
    expect(taken.status).toBe(400);
    expect(taken.text).toContain(`Another hospital already uses the address name &quot;${a.slug}&quot;.`);

    const domain = await onboard(wizard(slug, { primary_domain: a.host }));
    expect(domain.status).toBe(400);
    expect(domain.text).toContain(`${a.host} already belongs to another hospital.`);

    // Case numbers name their hospital: A's prefix is refused beside the field.
    const [{ case_prefix: prefixOfA }] = await query<{ case_prefix: string }>('SELECT case_prefix FROM tenants WHERE id = $1', [a.id]);
    const samePrefix = await onboard(wizard(slug, { case_prefix: prefixOfA }));
    expect(samePrefix.status).toBe(400);
    expect(samePrefix.text).toContain(`Another hospital already numbers its cases with ${prefixOfA}: choose other letters.`);

    const noContact = await onboard(wizard(slug, { contact_phone: '', contact_email: 'care at hospital' }));
    expect(noContact.status).toBe(400);
    expect(noContact.text).toContain('Enter the program’s phone number.');
    expect(noContact.text).toContain('Enter an email address such as secondopinion@hospital.org.');
    expect(noContact.text).toContain('value="care at hospital"');

    const bad = await onboard(wizard(slug, { case_prefix: 'toolong1', time_zone: 'Mars/Olympus', color_primary: 'red' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Must be 2 to 5 capital letters, e.g. LKS.');
    expect(bad.text).toContain('Must be an IANA time zone such as America/Chicago.');
    expect(bad.text).toContain('Must be a colour written as #rrggbb');

    // Without the token its form's action carries, the wizard is refused before anything is read.
    const forged = await request(app.getHttpServer())
      .post('/operator/tenants')
      .set('Host', OPERATOR_HOST)
      .set('Cookie', op.cookieHeader())
      .field('name', 'Forged')
      .field('slug', slug)
      .attach('logo', PNG, { filename: 'logo.png', contentType: 'image/png' });
    expect(forged.status).toBe(403);

    expect(await query('SELECT 1 FROM tenants WHERE slug = $1', [slug])).toEqual([]);
    expect((await new WebClient(app, `${slug}.localhost`).get('/')).status).toBe(404);
    // A's site is untouched by the refused attempt on its slug.
    expect((await new WebClient(app, a.host).get('/')).text).toContain(a.name);
  });

  it('suspends a hospital (its site answers 503) and resumes it', async () => {
    const site = new WebClient(app, a.host);
    expect((await site.get('/')).status).toBe(200);
    await op.get(`/operator/tenants/${a.slug}`);
    expect((await op.post(`/operator/tenants/${a.slug}/suspend`)).status).toBe(303);
    expect((await site.get('/')).status).toBe(503);
    expect((await op.get('/operator/tenants')).text).toContain('Suspended');
    await op.get(`/operator/tenants/${a.slug}`);
    expect((await op.post(`/operator/tenants/${a.slug}/resume`)).status).toBe(303);
    expect((await site.get('/')).status).toBe(200);
    const actions = (
      await query<{ action: string }>(
        'SELECT action FROM operator_audit_events WHERE operator_id = $1 AND entity_id = $2 ORDER BY occurred_at',
        [operatorId, a.id],
      )
    ).map((r) => r.action);
    expect(actions).toEqual(['tenant.suspend', 'tenant.resume']);
  });

  it('adds an alias domain whose every page redirects, makes it primary, refuses a taken one, removes it; export follows', async () => {
    // Its domains are changed and exported, nobody signs in to it: a tenant without people is enough.
    const b = await createTestTenant(app);
    const alias = `care-${b.slug}.example.org`;
    await op.get(`/operator/tenants/${b.slug}`);
    expect((await op.post(`/operator/tenants/${b.slug}/domains`, { host: alias })).status).toBe(303);
    const viaAlias = await new WebClient(app, alias).get('/pricing');
    expect(viaAlias.status).toBe(301);
    expect(viaAlias.location).toContain(`${b.slug}.localhost`);
    // Every page moves, not only the marketing ones: sign-in and the console too (the intake's /start is a
    // TenantSite route like these), path and query kept.
    for (const path of ['/sign-in', '/sign-up', '/forgot-password', '/console/sign-in']) {
      const moved = await new WebClient(app, alias).get(`${path}?lang=es`);
      expect([path, moved.status, moved.location]).toEqual([path, 301, `http://${b.slug}.localhost:3000${path}?lang=es`]);
    }

    await op.get(`/operator/tenants/${b.slug}`);
    expect((await op.post(`/operator/tenants/${b.slug}/domains/primary`, { host: alias })).status).toBe(303);
    const viaPlatform = await new WebClient(app, b.host).get('/pricing');
    expect(viaPlatform.status).toBe(301);
    expect(viaPlatform.location).toContain(alias);
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint).toMatchObject({ domains: [alias], primary_domain: alias });

    await op.get(`/operator/tenants/${b.slug}`);
    const taken = await op.post(`/operator/tenants/${b.slug}/domains`, { host: a.host });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain(`${a.host} already belongs to another hospital.`);
    expect(taken.text).toContain(`value="${a.host}"`);
    expect(await query('SELECT tenant_id FROM tenant_domains WHERE host = $1', [a.host])).toEqual([{ tenant_id: a.id }]);

    const primaryGone = await op.post(`/operator/tenants/${b.slug}/domains/remove`, { host: alias });
    expect(primaryGone.status).toBe(400);
    expect(primaryGone.text).toContain('make another one primary first');
    await op.get(`/operator/tenants/${b.slug}`);
    expect((await op.post(`/operator/tenants/${b.slug}/domains/primary`, { host: b.host })).status).toBe(303);
    await op.get(`/operator/tenants/${b.slug}`);
    expect((await op.post(`/operator/tenants/${b.slug}/domains/remove`, { host: alias })).status).toBe(303);
    expect((await new WebClient(app, alias).get('/')).status).toBe(404);
    expect((await new WebClient(app, b.host).get('/')).status).toBe(200);
  });

  it('downloads a hospital as tenant.yaml', async () => {
    const res = await op.get(`/operator/tenants/${a.slug}/blueprint.yaml`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/yaml');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${a.slug}-tenant.yaml"`);
    const doc = parse(res.text);
    expect(doc).toMatchObject({ slug: a.slug, offerings: [{ slug: a.offeringSlug, price: '500.00' }] });
  });

  it('is not found on a hospital host (even for its admin), and asks anyone else on the operator host to sign in', async () => {
    const { people } = a;
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, people.admin);
    for (const path of [
      '/operator/tenants',
      '/operator/tenants/new',
      `/operator/tenants/${a.slug}`,
      `/operator/tenants/${a.slug}/blueprint.yaml`,
    ]) {
      expect((await admin.get(path)).status).toBe(404);
      expect((await new WebClient(app, a.host).get(path)).status).toBe(404);
      const anonymous = await new WebClient(app, OPERATOR_HOST).get(path);
      expect(anonymous.status).toBe(303);
      expect(anonymous.location).toContain('/operator/sign-in');
    }
    await admin.get('/console');
    expect((await admin.post(`/operator/tenants/${a.slug}/suspend`)).status).toBe(404);
    expect((await new WebClient(app, a.host).get('/')).status).toBe(200);
  });
});
