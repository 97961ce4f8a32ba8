import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { BlueprintCatalog, BlueprintExporter, ConsoleEditsConflict } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { expectPageIn } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTwoHospitals, TestHospital, testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * The catalog a blueprint can say, made in the console: specialties (add, rename, order, withdraw) and an offering's
 * intake questions and exclusions in every site language. Each refused form keeps what was typed; another hospital
 * gets 404; the apply check sees the edits, and the export applies back with no changes.
 */
describe('admin console: specialties, intake questions and exclusions', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let admin: WebClient;
  let out: string;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'] }, b: { locales: LOCALES, default_locale: 'en' } }));
    admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    out = mkdtempSync(path.join(tmpdir(), 'console-export-'));
  });

  afterAll(async () => {
    await app.close();
    rmSync(out, { recursive: true, force: true });
  });

  const exported = async () => (await app.get(BlueprintExporter).export(a.slug))!.blueprint;

  async function specialtyRows(tenantId: string): Promise<{ slug: string; position: number; active: boolean }[]> {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      return (await pg.query('SELECT slug, position, active FROM specialties WHERE tenant_id = $1 ORDER BY slug', [tenantId])).rows;
    } finally {
      await pg.end();
    }
  }

  const specialty = (slug: string, name: string) => ({
    slug,
    name_en: name,
    name_es: `${name} (es)`,
    summary_en: `${name} reviews.`,
    summary_es: `Revisiones de ${name}.`,
    description_en: '',
    description_es: '',
  });

  it('adds specialties, renames one, orders them and withdraws one; the site and the export follow', async () => {
    expect((await admin.submit('/console/catalog/specialties', specialty('oncology', 'Oncology'))).status).toBe(303);
    expect((await admin.submit('/console/catalog/specialties', specialty('neurology', 'Neurology'))).status).toBe(303);
    const list = await admin.get('/console/catalog/specialties?created=neurology');
    expect(list.text).toContain('The specialty was added.');
    expect(list.text).toContain('Oncology');
    expect((await new WebClient(app, a.host).get('/specialties/oncology')).status).toBe(200);

    const renamed = await admin.submit('/console/catalog/specialties/oncology', {
      ...specialty('oncology', 'Cancer care'),
      description_en: 'Tumour boards.',
      description_es: 'Comités de tumores.',
    });
    expect(renamed.status).toBe(303);
    expect((await new WebClient(app, a.host).get('/specialties/oncology')).text).toContain('Cancer care');

    await admin.get('/console/catalog/specialties');
    expect((await admin.post('/console/catalog/specialties/neurology/up')).status).toBe(303);
    expect((await exported()).specialties!.map((s) => s.slug)).toEqual([a.specialtySlug, 'neurology', 'oncology']);
    expect((await exported()).specialties![2]).toMatchObject({
      slug: 'oncology',
      name: { en: 'Cancer care', es: 'Cancer care (es)' },
      description: { en: 'Tumour boards.', es: 'Comités de tumores.' },
    });

    expect((await admin.post('/console/catalog/specialties/neurology/withdraw')).status).toBe(303);
    expect((await exported()).specialties!.map((s) => s.slug)).toEqual([a.specialtySlug, 'oncology']);
    // Positions stay 0, 1, ... as a blueprint's list numbers them, so the export applies back unchanged.
    expect((await specialtyRows(a.id)).filter((r) => r.active).map((r) => r.position)).toEqual([1, 0]);
    expect((await new WebClient(app, a.host).get('/specialties/neurology')).status).toBe(404);
    expect((await admin.post('/console/catalog/specialties/neurology/restore')).status).toBe(303);
    expect((await exported()).specialties!.map((s) => s.slug)).toEqual([a.specialtySlug, 'oncology', 'neurology']);
  });

  it('refuses a bad or taken address name and a missing Spanish summary beside the field, keeping what was typed', async () => {
    const before = await specialtyRows(a.id);
    const bad = await admin.submit('/console/catalog/specialties', { ...specialty('Bad Slug!', 'Typed name'), summary_es: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The address name must be lower-case letters, digits and hyphens, e.g. cardiology.');
    expect(bad.text).toContain('Enter this text in Spanish too.');
    expect(bad.text).toContain('value="Typed name"');
    expect(bad.text).toMatch(/id="f-slug-error"/);
    const taken = await admin.submit('/console/catalog/specialties', specialty('oncology', 'Again'));
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('Another specialty already uses the address name &quot;oncology&quot;.');
    // A specialty still sold cannot be withdrawn: the offering would point at nothing.
    await admin.get('/console/catalog/specialties');
    const sold = await admin.post(`/console/catalog/specialties/${a.specialtySlug}/withdraw`);
    expect(sold.status).toBe(400);
    expect(sold.text).toContain('Withdraw this specialty&#x27;s offerings first');
    expect(await specialtyRows(a.id)).toEqual(before);
  });

  const questions = (overrides: Record<string, string> = {}) => ({
    question_0_key: 'current_treatment',
    question_0_type: 'long_text',
    question_0_required: '1',
    question_0_label_en: 'What treatment are you having now?',
    question_0_label_es: '¿Qué tratamiento recibe ahora?',
    question_1_key: 'biopsy_done',
    question_1_type: 'choice',
    question_1_label_en: 'Has a biopsy been done?',
    question_1_label_es: '¿Le han hecho una biopsia?',
    question_1_options_en: 'Yes\nNo\nNot sure',
    question_1_options_es: 'Sí\nNo\nNo estoy seguro',
    question_2_key: '',
    question_2_type: '',
    question_2_label_en: '',
    question_2_label_es: '',
    jurisdictions: 'us-ny, MX',
    inpatients: '1',
    other_en: 'Emergencies',
    other_es: 'Urgencias',
    ...overrides,
  });

  it("edits an offering's intake questions and exclusions; the patient's form asks them and export carries them", async () => {
    const page = `/console/catalog/offerings/${a.offeringSlug}/questions`;
    expect((await admin.get(page)).status).toBe(200);
    expect((await admin.submit(page, questions())).status).toBe(303);
    const offering = (await exported()).offerings!.find((o) => o.slug === a.offeringSlug)!;
    expect(offering.intake_questions).toEqual([
      {
        key: 'current_treatment',
        type: 'long_text',
        required: true,
        label: { en: 'What treatment are you having now?', es: '¿Qué tratamiento recibe ahora?' },
      },
      {
        key: 'biopsy_done',
        type: 'choice',
        required: false,
        label: { en: 'Has a biopsy been done?', es: '¿Le han hecho una biopsia?' },
        options: [
          { value: 'yes', label: { en: 'Yes', es: 'Sí' } },
          { value: 'no', label: { en: 'No', es: 'No' } },
          { value: 'not-sure', label: { en: 'Not sure', es: 'No estoy seguro' } },
        ],
      },
    ]);
    expect(offering.exclusions).toEqual({
      jurisdictions: ['US-NY', 'MX'],
      inpatients: true,
      other: [{ en: 'Emergencies', es: 'Urgencias' }],
    });
    const shown = await admin.get(page);
    expect(shown.text).toContain('Yes\nNo\nNot sure</textarea>');
    expect((await new WebClient(app, a.host).get(`/specialties/${a.specialtySlug}`)).text).toContain('Emergencies');

    // Renaming a choice keeps its stored value, so answers already given keep their meaning.
    expect((await admin.submit(page, questions({ question_1_options_en: 'Yes\nNo\nI do not know' }))).status).toBe(303);
    const again = (await exported()).offerings!.find((o) => o.slug === a.offeringSlug)!;
    expect(again.intake_questions![1].options!.map((o) => o.value)).toEqual(['yes', 'no', 'not-sure']);
  });

  it('refuses bad questions beside each field, keeping what was typed and changing nothing', async () => {
    const page = `/console/catalog/offerings/${a.offeringSlug}/questions`;
    const before = (await exported()).offerings;
    const refused = await admin.submit(
      page,
      questions({
        question_0_key: 'Bad Key',
        question_1_options_es: 'Sí\nNo',
        question_2_key: 'current_treatment',
        question_2_type: 'text',
        question_2_label_en: 'Typed question',
        question_2_options_en: 'stray',
        jurisdictions: 'US-ZZ',
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('The key must start with a letter');
    expect(refused.text).toContain('Give the same 3 choices, one a line, in this language.');
    expect(refused.text).toContain('Only a question answered from a list has choices');
    expect(refused.text).toContain('Enter this text in Spanish too.');
    expect(refused.text).toContain('US-ZZ is not a US state (US-NY) or a country code (MX).');
    expect(refused.text).toContain('value="Typed question"');
    expect(refused.text).toMatch(/id="f-question_1_options_es-error"/);
    expect((await exported()).offerings).toEqual(before);
  });

  it('the apply check sees the console edits, and the export applies back with no changes', async () => {
    // A blueprint's specialty has an offering: give the console-made ones theirs, through the console.
    for (const specialtySlug of ['oncology', 'neurology']) {
      const created = await admin.submit(
        '/console/catalog/offerings/new',
        {
          slug: `${specialtySlug}-review`,
          specialty: specialtySlug,
          name_en: `${specialtySlug} review`,
          name_es: `Revisión de ${specialtySlug}`,
          description_en: 'A review.',
          description_es: 'Una revisión.',
          price: '800',
          turnaround_days: '5',
          follow_up_questions: '1',
        },
        '/console/catalog/offerings',
      );
      expect(created.status).toBe(303);
    }
    // The last apply's blueprint, unchanged, would undo them: refused, naming where.
    const original = applyTestBlueprint(app, testBlueprint(a.slug, { locales: ['en', 'es'] }));
    await expect(original).rejects.toThrow(ConsoleEditsConflict);
    await expect(original).rejects.toThrow('since its last apply (offerings, specialties)');
    expect(await app.get(BlueprintExporter).write(a.slug, out)).toBe(path.join(out, a.slug));
    const applied = await app.get(BlueprintCatalog).apply([a.slug], { root: out });
    expect(applied.problems).toEqual([]);
    expect(applied.kept).toEqual([]);
    expect(applied.results.map((r) => r.changes)).toEqual([[]]);
  });

  it('every page and refused form in en, es and fr; another hospital answers 404 and changes nothing', async () => {
    const translator = app.get(Translator);
    const reader = new WebClient(app, b.host);
    await signInStaff(reader, b.people.admin);
    const data = [b.name, 'Consilium', 'Test Cardiology', 'Test heart review', 'Heart reviews for tests.'];
    for (const locale of LOCALES) {
      reader.cookies.set('lang', locale);
      const check = (page: { status: number; text: string }, status: number, what: string) =>
        expectPageIn(page, locale, { status, what, translator, allow: data });
      check(await reader.get('/console/catalog/specialties'), 200, 'specialties');
      check(await reader.get(`/console/catalog/specialties/${b.specialtySlug}`), 200, 'a specialty');
      check(await reader.get(`/console/catalog/offerings/${b.offeringSlug}/questions`), 200, 'questions');
      check(await reader.submit('/console/catalog/specialties', { slug: 'X Y', name_en: '' }), 400, 'refused specialty');
      check(
        await reader.submit(`/console/catalog/offerings/${b.offeringSlug}/questions`, {
          question_0_key: '9',
          question_0_type: 'choice',
          jurisdictions: 'ZZ-9',
        }),
        400,
        'refused questions',
      );
      // Hospital a's specialties and offering, asked for by b's admin: the same 404 as for nothing at all.
      check(await reader.get('/console/catalog/specialties/oncology'), 404, "another hospital's specialty");
      check(await reader.get(`/console/catalog/offerings/${a.offeringSlug}/questions`), 404, "another hospital's questions");
    }
    const before = await specialtyRows(a.id);
    await reader.get('/console/catalog/specialties');
    expect((await reader.post('/console/catalog/specialties/oncology', specialty('oncology', 'Planted'))).status).toBe(404);
    expect((await reader.post('/console/catalog/specialties/oncology/withdraw')).status).toBe(404);
    expect((await reader.post('/console/catalog/specialties/oncology/up')).status).toBe(404);
    expect((await reader.post(`/console/catalog/offerings/${a.offeringSlug}/questions`, questions())).status).toBe(404);
    expect(await specialtyRows(a.id)).toEqual(before);

    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console/catalog/specialties')).status).toBe(403);
  });
});
