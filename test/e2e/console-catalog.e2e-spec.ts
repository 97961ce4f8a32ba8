import { AccountMail, IdentityModule } from '@consilium/identity';
import { BlueprintExporter, TenantChangeFeed } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** A text key shown as itself: its words are missing from the lib's i18n files. */
const UNTRANSLATED = /\b(catalog|roster|marketing|site|identity)\.(console|operator)\.[A-Za-z]/;

describe('admin console: catalog', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let adminA: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app, {
      a: {
        locales: ['en', 'es'],
        faqs: [{ question: { en: 'Is this a test?', es: '¿Es una prueba?' }, answer: { en: 'Yes.', es: 'Sí.' } }],
      },
    }));
    peopleA = a.people;
    peopleB = b.people;
    adminA = new WebClient(app, a.host);
    await signInStaff(adminA, peopleA.admin);
  });

  afterAll(() => app.close());

  const offeringForm = (overrides: Record<string, string> = {}) => ({
    name_en: 'Test heart review',
    name_es: 'Revisión cardíaca',
    description_en: 'A review used by tests.',
    description_es: 'Una revisión de prueba.',
    price: '612.00',
    turnaround_days: '4',
    follow_up_questions: '2',
    extra_follow_up_price: '',
    video_consult_price: '150',
    addon_0_code: 'imaging-reread',
    addon_0_name_en: 'Imaging re-read',
    addon_0_name_es: 'Relectura de imágenes',
    addon_0_price: '175.50',
    addon_1_code: 'pathology-reread',
    addon_1_name_en: 'Pathology re-read',
    addon_1_name_es: 'Relectura de patología',
    addon_1_price: '90',
    ...overrides,
  });

  async function offeringRow(
    tenantId: string,
    slug: string,
  ): Promise<{ price_minor: number; turnaround_business_days: number; active: boolean }> {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      return (
        await pg.query('SELECT price_minor, turnaround_business_days, active FROM offerings WHERE tenant_id = $1 AND slug = $2', [
          tenantId,
          slug,
        ])
      ).rows[0];
    } finally {
      await pg.end();
    }
  }

  it('edits an offering: the site shows the new price and add-on on the next request, and export carries it', async () => {
    const site = new WebClient(app, a.host);
    expect((await site.get(`/specialties/${a.specialtySlug}`)).text).toContain('$500');
    const page = await adminA.get(`/console/catalog/offerings/${a.offeringSlug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('value="500.00"');
    for (const path of ['/console/catalog', `/console/catalog/offerings/${a.offeringSlug}`]) {
      for (const lang of ['en', 'es']) expect((await adminA.get(path, { 'accept-language': lang })).text).not.toMatch(UNTRANSLATED);
    }
    const spanish = (await adminA.get('/console/catalog', { 'accept-language': 'es' })).text;
    expect(spanish).toContain('Reglas de precio');
    // The console's own frame too: title, skip link, logo.
    expect(spanish).toMatch(/<title>[^<]*Consola de [^<]*<\/title>/);
    expect(spanish).toContain('Saltar al contenido');
    expect(spanish).not.toMatch(/Skip to main content| console</);
    const saved = await adminA.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm());
    expect(saved.status).toBe(303);
    const after = await site.get(`/specialties/${a.specialtySlug}`);
    expect(after.text).toContain('$612');
    expect(after.text).toContain('Pathology re-read');
    expect(after.text).not.toContain('$500');

    const exported = await app.get(BlueprintExporter).export(a.slug);
    const offering = exported!.blueprint.offerings!.find((o) => o.slug === a.offeringSlug)!;
    expect(offering).toMatchObject({ price: '612.00', turnaround_days: 4, follow_up_questions: 2, video_consult_price: '150.00' });
    expect(offering.add_ons).toEqual([
      { code: 'imaging-reread', name: { en: 'Imaging re-read', es: 'Relectura de imágenes' }, price: '175.50' },
      { code: 'pathology-reread', name: { en: 'Pathology re-read', es: 'Relectura de patología' }, price: '90.00' },
    ]);

    // Removing an add-on takes it off the site.
    expect((await adminA.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm({ addon_1_remove: '1' }))).status).toBe(303);
    expect((await site.get(`/specialties/${a.specialtySlug}`)).text).not.toContain('Pathology re-read');
  });

  it("shows the edit on another instance too, which had the old page cached (NOTIFY from the tables' triggers)", async () => {
    const other = await createTestApp();
    try {
      await eventually(() => expect(other.get(TenantChangeFeed).listening).toBe(true));
      const site = new WebClient(other, a.host);
      const before = await site.get(`/specialties/${a.specialtySlug}`);
      expect(before.text).toContain('$612');
      await adminA.get(`/console/catalog/offerings/${a.offeringSlug}`);
      expect((await adminA.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm({ price: '634.00' }))).status).toBe(303);
      await eventually(async () => expect((await site.get(`/specialties/${a.specialtySlug}`)).text).toContain('$634'), 5000);
      expect((await adminA.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm())).status).toBe(303);
    } finally {
      await other.close();
    }
  });

  it('refuses a negative price beside its field, keeps what was typed, and changes nothing', async () => {
    const before = await offeringRow(a.id, a.offeringSlug);
    await adminA.get(`/console/catalog/offerings/${a.offeringSlug}`);
    const refused = await adminA.post(
      `/console/catalog/offerings/${a.offeringSlug}`,
      offeringForm({ price: '-5', turnaround_days: '4', addon_0_code: 'Bad Code!' }),
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('The amount must not be negative.');
    expect(refused.text).toContain('value="-5"');
    expect(refused.text).toContain('value="Bad Code!"');
    expect(refused.text).toContain('must be lower-case letters, digits and hyphens');
    expect(refused.text).toMatch(/id="f-price-error"/);
    expect(await offeringRow(a.id, a.offeringSlug)).toEqual(before);
  });

  it('refuses two add-ons with the same code, and a missing Spanish name', async () => {
    await adminA.get(`/console/catalog/offerings/${a.offeringSlug}`);
    const refused = await adminA.post(
      `/console/catalog/offerings/${a.offeringSlug}`,
      offeringForm({ addon_1_code: 'imaging-reread', name_es: '' }),
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Another add-on already has the code imaging-reread.');
    expect(refused.text).toContain('Enter this text in Spanish too.');
  });

  it('adds an offering under a specialty; a taken address name or no specialty is refused and adds nothing', async () => {
    const page = await adminA.get('/console/catalog/offerings/new');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(UNTRANSLATED);
    const fields = {
      slug: 'express-review',
      specialty: a.specialtySlug,
      name_en: 'Express review',
      name_es: 'Revisión exprés',
      description_en: 'In two business days.',
      description_es: 'En dos días hábiles.',
      price: '1290',
      turnaround_days: '2',
      follow_up_questions: '0',
      addon_0_code: '',
      addon_0_name_en: '',
      addon_0_name_es: '',
      addon_0_price: '',
    };
    const created = await adminA.post('/console/catalog/offerings', fields);
    expect(created.status).toBe(303);
    const specialty = await new WebClient(app, a.host).get(`/specialties/${a.specialtySlug}`);
    expect(specialty.text).toContain('Express review');
    expect(specialty.text).toContain('$1,290');
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.offerings!.map((o) => o.slug)).toEqual([
      a.offeringSlug,
      'express-review',
    ]);

    await adminA.get('/console/catalog/offerings/new');
    const taken = await adminA.post('/console/catalog/offerings', { ...fields, name_en: 'Typed again', price: '1' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('Another offering already uses the address name &quot;express-review&quot;.');
    expect(taken.text).toContain('value="Typed again"');
    const noSpecialty = await adminA.post('/console/catalog/offerings', { ...fields, slug: 'orphan-review', specialty: 'spec-of-nobody' });
    expect(noSpecialty.status).toBe(400);
    expect(noSpecialty.text).toContain('Choose the specialty this offering belongs to.');
    const slugs = (await app.get(BlueprintExporter).export(a.slug))!.blueprint.offerings!.map((o) => ({ slug: o.slug, price: o.price }));
    expect(slugs).toEqual([
      { slug: a.offeringSlug, price: '612.00' },
      { slug: 'express-review', price: '1290.00' },
    ]);
  });

  it('withdraws an offering from the site and puts it back', async () => {
    const site = new WebClient(app, a.host);
    await adminA.get('/console/catalog');
    expect((await adminA.post(`/console/catalog/offerings/${a.offeringSlug}/withdraw`)).status).toBe(303);
    expect((await offeringRow(a.id, a.offeringSlug)).active).toBe(false);
    expect((await site.get(`/specialties/${a.specialtySlug}`)).text).not.toContain('$612');
    const list = await adminA.get('/console/catalog');
    expect(list.text).toContain('Withdrawn');
    expect((await adminA.post(`/console/catalog/offerings/${a.offeringSlug}/restore`)).status).toBe(303);
    expect((await site.get(`/specialties/${a.specialtySlug}`)).text).toContain('$612');
  });

  it('edits price rules; a refused rule changes nothing', async () => {
    await adminA.get('/console/catalog');
    const saved = await adminA.post('/console/catalog/price-rules', {
      in_state_kind: 'amount',
      in_state_amount: '-25.00',
      out_of_state_kind: 'percent',
      out_of_state_percent: '10',
      international_kind: 'none',
      out_of_state_note_en: 'Out of state',
      out_of_state_note_es: 'Fuera del estado',
    });
    expect(saved.status).toBe(303);
    const exported = await app.get(BlueprintExporter).export(a.slug);
    expect(exported!.blueprint.price_rules).toEqual([
      { region: 'in_state', surcharge: '-25.00' },
      { region: 'out_of_state', surcharge_percent: 10, note: { en: 'Out of state', es: 'Fuera del estado' } },
    ]);
    expect((await new WebClient(app, a.host).get('/pricing')).text).toContain('Out of state');

    await adminA.get('/console/catalog');
    const refused = await adminA.post('/console/catalog/price-rules', {
      in_state_kind: 'percent',
      in_state_percent: '900',
      out_of_state_kind: 'none',
      international_kind: 'none',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Enter a whole number of percent between -100 and 500.');
    expect(refused.text).toContain('value="900"');
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.price_rules).toHaveLength(2);
  });

  it("is 404 for another hospital's offering, and 403 for a coordinator", async () => {
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, peopleB.admin);
    expect((await adminB.get(`/console/catalog/offerings/${a.offeringSlug}`)).status).toBe(404);
    const before = await offeringRow(a.id, a.offeringSlug);
    expect((await adminB.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm({ price: '1.00' }))).status).toBe(404);
    expect((await adminB.post(`/console/catalog/offerings/${a.offeringSlug}/withdraw`)).status).toBe(404);
    await adminB.get('/console/catalog/offerings/new');
    const foreign = await adminB.post('/console/catalog/offerings', { ...offeringForm(), slug: 'planted', specialty: a.specialtySlug });
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('Choose the specialty this offering belongs to.');
    expect(await offeringRow(a.id, a.offeringSlug)).toEqual(before);

    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.get('/console/catalog')).status).toBe(403);
    expect((await coordinator.get(`/console/catalog/offerings/${a.offeringSlug}`)).status).toBe(403);
    // A page of its own first, so the form carries a valid token and the refusal is the role's, not CSRF's.
    expect((await coordinator.get('/console')).status).toBe(200);
    const refusedPost = await coordinator.post(`/console/catalog/offerings/${a.offeringSlug}`, offeringForm({ price: '1.00' }));
    expect(refusedPost.status).toBe(403);
    expect(refusedPost.text).not.toContain('This form has expired');
    expect(await offeringRow(a.id, a.offeringSlug)).toEqual(before);
  });

  it('leaves an audit row for each edit', async () => {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      const { rows } = await pg.query(
        "SELECT action, outcome, actor_id FROM audit_events WHERE tenant_id = $1 AND action LIKE 'catalog.%' ORDER BY occurred_at",
        [a.id],
      );
      expect(rows.filter((r) => r.outcome === 'allowed' && r.actor_id === peopleA.admin.id).map((r) => r.action)).toEqual(
        expect.arrayContaining([
          'catalog.offering_update',
          'catalog.offering_withdraw',
          'catalog.offering_restore',
          'catalog.price_rules_update',
        ]),
      );
    } finally {
      await pg.end();
    }
  });
});
