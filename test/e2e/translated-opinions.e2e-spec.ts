import { Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { IntakePlanner } from '@consilium/intake';
import { AwsTranslator, DemoTranslator, OpinionDelivery, OpinionEditor, OpinionTranslations, TranslatedText } from '@consilium/opinions';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actAs, asPatient, asStaff, createTestCase, readCase, resolved } from '../support/cases';
import { expectNoLeaks, expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { letterText } from '../support/pdf-text';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestTranslator, createTwoHospitals, testBlueprint, TestHospital, TestPerson } from '../support/tenants';
import { TranslateStandIn } from '../support/translate-stand-in';
import { WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/** What the physician writes, in English, and what Amazon Translate (the stand-in) gives back in Spanish. */
const OPINION = {
  diagnosis_agreement: 'refined',
  treatment_changed: 'yes',
  diagnosis_note: 'Grade is 2, not 3.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  patient_summary: 'Your cancer is treatable; start with medicine, then surgery.',
  answer_0: 'Yes, after chemotherapy.',
};
const MACHINE = {
  'Grade is 2, not 3.': 'El grado es 2, no 3.',
  'Neoadjuvant chemotherapy before surgery.': 'Quimioterapia neoadyuvante antes de cirugía.',
  'Your cancer is treatable; start with medicine, then surgery.': 'Su cáncer es tratable; empiece con medicamentos y después cirugía.',
  'Yes, after chemotherapy.': 'Sí, después de la quimioterapia.',
};
/** The translator's correction of one machine sentence. */
const REVIEWED_RECOMMENDATIONS = 'Quimioterapia neoadyuvante antes de la cirugía.';

/**
 * Issue #18's "done when": a Spanish-speaking patient who bought the translation receives the opinion an English
 * physician signed as a Spanish translation, drafted by Amazon Translate (a local stand-in speaking its JSON
 * protocol), reviewed and released by the hospital's translator, with both versions in the letter and on the page.
 */
describe('translated opinions', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let standIn: TranslateStandIn;
  let a: TestHospital;
  let b: TestHospital;
  let translatorA: TestPerson;
  let translatorB: TestPerson;

  beforeAll(async () => {
    standIn = new TranslateStandIn();
    await standIn.start();
    for (const [from, to] of Object.entries(MACHINE)) standIn.phrases.set(from, to);
    // The SDK signs every request; the stand-in checks the signature's scope, not the key (a test key).
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    app = await createTestApp(
      { TRANSLATION_PROVIDER: 'aws', TRANSLATE_REGION: 'us-east-1', TRANSLATE_ENDPOINT: standIn.url },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
    // The hospital sells the translation as an add-on of its offering, at its own price.
    const blueprint = testBlueprint(a.slug, { locales: LOCALES, default_locale: 'en' });
    const [offering] = blueprint.offerings!;
    offering.add_ons = [
      ...(offering.add_ons ?? []),
      {
        code: 'translation',
        name: { en: 'Opinion in your language', es: 'Opinión en su idioma', fr: 'Avis dans votre langue' },
        price: '200.00',
        translation: true,
      },
    ];
    await applyTestBlueprint(app, blueprint);
    translatorA = await createTestTranslator(app, a);
    translatorB = await createTestTranslator(app, b);
    // The patient's account says English (as the demo patient's does): the case keeps the language the translation
    // was bought in, and that is the one it is translated into.
    await operatorQuery(app, `UPDATE accounts SET locale = 'en' WHERE id = $1`, [a.people.patient.id]);
  });

  afterAll(async () => {
    await app.close();
    await standIn.stop();
  });

  const client = (hospital: TestHospital, locale: string): WebClient => readerIn(app, hospital.host, locale);

  it('offers the translation at intake only in another language than the physicians’, and charges its price', async () => {
    const name = 'Opinión en su idioma';
    expect((await client(a, 'es').get('/start')).text).toContain(name);
    const english = await client(a, 'en').get('/start');
    expect(english.status).toBe(200);
    expect(english.text).not.toContain('Opinion in your language');
    // Chosen anyway in English (a hand-made form): refused beside the add-ons, in the reader's language.
    const refused = actAs(app, a, asPatient(a.people.patient), async () =>
      app
        .get(IntakePlanner)
        .plan(await resolved(app, a), { offering: a.offeringSlug, addOns: ['translation'], jurisdiction: 'US-NY' }, 'en'),
    );
    await expect(refused).rejects.toMatchObject({ fields: { add_ons: { key: 'intake.form.translationSameLanguage' } } });

    const c = await createTestCase(app, a, { state: 'submitted', addOns: ['translation'], locale: 'es' });
    const [payment] = await operatorQuery<{ amount_minor: number }>(app, `SELECT amount_minor FROM payments WHERE case_id = $1`, [c.id]);
    expect(payment.amount_minor).toBe(50000 + 20000);
  });

  it('holds the signed opinion for the translator, who reviews the machine draft and releases both versions', async () => {
    const c = await createTestCase(app, a, { state: 'in_review', addOns: ['translation'], locale: 'es' });
    const physician = client(a, 'en');
    await signInStaff(physician, a.people.physician);
    await physician.get(`/console/reviews/${c.id}`);
    const signed = await physician.post(`/console/reviews/${c.id}/sign`, {
      ...OPINION,
      code: await freshCode(a.people.physician.email, undefined, app),
    });
    expect(signed.location).toBe(`/console/reviews/${c.id}?signed=1`);

    // Signed, not delivered: the patient has nothing yet, and Amazon Translate was asked for each part, en -> es.
    expect((await readCase(app, a, c.id)).state).toBe('opinion_signed');
    const patient = client(a, 'es');
    await signInPatient(patient, a.people.patient);
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
    const asked = standIn.calls.filter((call) => Object.keys(MACHINE).includes(call.text));
    expect(asked.map((call) => [call.source, call.to])).toEqual(Object.keys(MACHINE).map(() => ['en', 'es']));
    expect(asked.every((call) => call.scope?.endsWith('/us-east-1/translate/aws4_request'))).toBe(true);
    const [row] = await operatorQuery<{ id: string; provider: string; status: string; machine_draft: { recommendations: string } }>(
      app,
      `SELECT t.id, t.provider, t.status, t.machine_draft FROM opinion_translations t WHERE t.case_id = $1`,
      [c.id],
    );
    expect(row).toMatchObject({
      provider: 'aws',
      status: 'draft',
      machine_draft: { recommendations: MACHINE['Neoadjuvant chemotherapy before surgery.'] },
    });

    // The translator's queue and workspace, in the translator's language, with the machine's draft beside the original.
    const reviewer = client(a, 'fr');
    await signInStaff(reviewer, translatorA);
    const queue = await reviewer.get('/console/translations');
    expect(queue.status).toBe(200);
    expect(queue.text).toContain(c.number);
    const work = await reviewer.get(`/console/translations/${row.id}`);
    expect(work.status).toBe(200);
    expect(work.text).toContain(translator.t('opinions.translation.draftBy.aws', 'fr'));
    expect(work.text).toContain(MACHINE['Neoadjuvant chemotherapy before surgery.']);
    expect(work.text).toContain(OPINION.recommendations);
    expectNoLeaks(work.text, {
      locale: 'fr',
      translator,
      allow: [
        a.name,
        'Consilium',
        c.number,
        ...Object.values(OPINION),
        ...Object.values(MACHINE),
        'Is the proposed treatment right for me?',
      ],
      page: 'translator workspace',
    });

    // Released with a part left empty: refused beside it, in French, with what was typed kept; nothing delivered.
    const form = {
      patient_summary: MACHINE['Your cancer is treatable; start with medicine, then surgery.'],
      diagnosis_note: MACHINE['Grade is 2, not 3.'],
      recommendations: '',
      answer_0: MACHINE['Yes, after chemotherapy.'],
    };
    const refused = await reviewer.post(`/console/translations/${row.id}/release`, form);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(translator.t('opinions.translation.missing', 'fr'));
    expect(refused.text).toContain(form.patient_summary);
    expect((await readCase(app, a, c.id)).state).toBe('opinion_signed');

    // Saved (a revision), then released: the case is delivered with the letter in Spanish and the English original.
    expect((await reviewer.post(`/console/translations/${row.id}`, { ...form, recommendations: 'Quimio primero.' })).status).toBe(303);
    const released = await reviewer.post(`/console/translations/${row.id}/release`, { ...form, recommendations: REVIEWED_RECOMMENDATIONS });
    expect(released.location).toBe(`/console/translations/${row.id}?released=1`);
    expect((await readCase(app, a, c.id)).state).toBe('delivered');
    const [kept] = await operatorQuery<{ revision: number; status: string; translator_id: string; recommendations: string }>(
      app,
      `SELECT revision, status, translator_id, text->>'recommendations' AS recommendations FROM opinion_translations WHERE id = $1`,
      [row.id],
    );
    expect(kept).toEqual({ revision: 2, status: 'released', translator_id: translatorA.id, recommendations: REVIEWED_RECOMMENDATIONS });
    // A released translation is final.
    const again = await reviewer.post(`/console/translations/${row.id}`, { ...form, recommendations: 'Otra cosa.' });
    expect(again.status).toBe(400);
    expect(again.text).toContain(translator.t('opinions.translation.alreadyReleased', 'fr'));

    const [stored] = await operatorQuery<{ pdf: Buffer }>(
      app,
      `SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.tenant_id = l.tenant_id AND o.id = l.opinion_id WHERE o.case_id = $1`,
      [c.id],
    );
    const letter = letterText(stored.pdf);
    expect(letter).toContain(REVIEWED_RECOMMENDATIONS);
    expect(letter).toContain(OPINION.recommendations);
    expect(letter).toContain(`translator ${a.slug}`);
    expect(letter).toContain(translator.t('opinions.letter.originalHeading', 'es', { language: 'inglés' }));
    expect(letter.indexOf(REVIEWED_RECOMMENDATIONS)).toBeLessThan(letter.indexOf(OPINION.recommendations));
    expect(letter).toContain(translator.t('opinions.opinion.recommendations', 'es'));

    // The patient reads both on the page, in Spanish around them.
    const page = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(REVIEWED_RECOMMENDATIONS);
    expect(page.text).toContain(OPINION.recommendations);
    expect(page.text).toContain(translator.t('opinions.portal.originalHeading', 'es', { language: 'inglés' }));
    expectNoLeaks(page.text, {
      locale: 'es',
      translator,
      allow: [
        a.name,
        'Consilium',
        // The roster's name of the physician who signed (the page is signed under it, not the account's).
        `Doctor ${a.slug.slice(2)}`,
        `translator ${a.slug}`,
        `patient ${a.slug}`,
        ...Object.values(OPINION),
        ...Object.values(MACHINE),
        REVIEWED_RECOMMENDATIONS,
        'Is the proposed treatment right for me?',
      ],
      page: 'translated opinion',
    });

    // Each step of the translator's is audited.
    const audit = await operatorQuery<{ action: string; outcome: string }>(
      app,
      `SELECT action, outcome FROM audit_events WHERE tenant_id = $1 AND entity_id = $2 ORDER BY occurred_at`,
      [a.id, row.id],
    );
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['opinion.translation_read', 'opinion.translation_save', 'opinion.translation_release']),
    );

    // The translator's pages in every language the hospital serves, with no word of another.
    for (const locale of LOCALES) {
      const reader = client(a, locale);
      await signInStaff(reader, translatorA);
      const data = [a.name, 'Consilium', c.number, ...Object.values(OPINION), ...Object.values(MACHINE), REVIEWED_RECOMMENDATIONS];
      expectPageIn(await reader.get('/console/translations'), locale, { status: 200, what: 'translations', translator, allow: data });
      expectPageIn(await reader.get(`/console/translations/${row.id}`), locale, {
        status: 200,
        what: 'released translation',
        translator,
        allow: [...data, 'Is the proposed treatment right for me?'],
      });
    }

    // Another hospital's translator, and this hospital's physician, do not reach the translation.
    const other = client(b, 'en');
    await signInStaff(other, translatorB);
    expect((await other.get(`/console/translations/${row.id}`)).status).toBe(404);
    expect((await other.get('/console/translations')).text).not.toContain(c.number);
    expect((await other.post(`/console/translations/${row.id}/release`, form)).status).toBe(404);
    expect((await physician.get(`/console/translations/${row.id}`)).status).toBe(403);
  });

  it('when Amazon Translate fails, the signature stands and the translator gets the original to translate, said so', async () => {
    const c = await createTestCase(app, a, { state: 'opinion_signed', addOns: ['translation'], locale: 'es' });
    standIn.failing = true;
    try {
      expect(await app.get(OpinionDelivery).deliver(await resolved(app, a), c.opinionId!)).toEqual({ delivered: false, translating: true });
    } finally {
      standIn.failing = false;
    }
    const [row] = await operatorQuery<{ id: string; provider: string; machine_draft: { answers: string[] } }>(
      app,
      'SELECT id, provider, machine_draft FROM opinion_translations WHERE case_id = $1',
      [c.id],
    );
    expect(row.provider).toBe('none');
    expect(row.machine_draft.answers).toEqual(['Yes.']);
    const reviewer = client(a, 'es');
    await signInStaff(reviewer, translatorA);
    expect((await reviewer.get(`/console/translations/${row.id}`)).text).toContain(translator.t('opinions.translation.draftBy.none', 'es'));
    expect((await readCase(app, a, c.id)).state).toBe('opinion_signed');
  });

  it('an amendment is translated again: each signed version keeps its own translation, released once', async () => {
    const c = await createTestCase(app, a, { state: 'opinion_signed', addOns: ['translation'], locale: 'es' });
    const tenant = await resolved(app, a);
    const delivery = app.get(OpinionDelivery);
    const translations = app.get(OpinionTranslations);
    const asTranslator = { id: translatorA.id, kind: 'staff' as const, roles: ['translator'], mfaVerified: true };
    const release = (opinionId: string) =>
      actAs(app, a, asTranslator, async () => {
        // The machine's draft as it came, with the recommendations reviewed.
        const [t] = await operatorQuery<{ id: string; text: TranslatedText }>(
          app,
          'SELECT id, text FROM opinion_translations WHERE opinion_id = $1',
          [opinionId],
        );
        return translations.release(t.id, { ...t.text, recommendations: 'Recomendación.' });
      });
    expect(await delivery.deliver(tenant, c.opinionId!)).toEqual({ delivered: false, translating: true });
    await release(c.opinionId!);
    expect(await delivery.deliver(tenant, c.opinionId!)).toEqual({ delivered: true });

    const physician = asStaff(a.people.physician, 'physician');
    const amended = await actAs(app, a, physician, async () => {
      const editor = app.get(OpinionEditor);
      await editor.amend(c.id, 'The pathology report arrived.');
      await editor.saveDraft(c.id, { recommendations: 'Surgery first, then chemotherapy.' });
      return editor.sign(c.id, await freshCode(a.people.physician.email, undefined, app));
    });
    // The amendment waits for its own translation; the patient is told, and still reads the first one's letter.
    expect(await delivery.deliver(tenant, amended.opinion.id)).toEqual({ delivered: false, translating: true });
    const versions = await operatorQuery<{ version: number; status: string }>(
      app,
      `SELECT o.version, t.status FROM opinion_translations t JOIN opinions o ON o.tenant_id = t.tenant_id AND o.id = t.opinion_id
        WHERE t.case_id = $1 ORDER BY o.version`,
      [c.id],
    );
    expect(versions).toEqual([
      { version: 1, status: 'released' },
      { version: 2, status: 'draft' },
    ]);
    const patient = client(a, 'es');
    await signInPatient(patient, a.people.patient);
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).text).toContain(translator.t('opinions.portal.translating', 'es'));
    await release(amended.opinion.id);
    expect(await delivery.deliver(tenant, amended.opinion.id)).toEqual({ delivered: true });
    const page = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(page.text).toContain('Surgery first, then chemotherapy.');
    expect(page.text).toContain('Recomendación.');
    expect(page.text).not.toContain(translator.t('opinions.portal.translating', 'es'));
  });

  it('a case without the add-on is delivered at once, in the original only', async () => {
    const c = await createTestCase(app, a, { state: 'delivered', locale: 'es' });
    expect((await readCase(app, a, c.id)).state).toBe('delivered');
    expect(await operatorQuery(app, 'SELECT 1 FROM opinion_translations WHERE case_id = $1', [c.id])).toEqual([]);
  });

  it('an admin invites a translator like any other role', async () => {
    const admin = client(a, 'en');
    await signInStaff(admin, a.people.admin);
    const email = `new.translator.${a.slug}@example.org`;
    const invited = await admin.submit('/console/staff', { name: 'New Translator', email, roles: ['translator'], locale: 'es' });
    expect(invited.status).toBe(303);
    const [role] = await operatorQuery<{ role: string }>(
      app,
      `SELECT r.role FROM staff_roles r JOIN accounts x ON x.tenant_id = r.tenant_id AND x.id = r.account_id WHERE x.email = $1`,
      [email],
    );
    expect(role.role).toBe('translator');
  });

  it('Amazon Translate gets long texts in pieces under its limit; the demo drafts nothing and says so by its name', async () => {
    const aws = new AwsTranslator({ region: 'us-east-1', endpoint: standIn.url });
    const long = Array.from({ length: 4 }, (_, i) => `${i} ${'word '.repeat(700)}`.trim()).join('\n\n');
    const before = standIn.calls.length;
    const [out, empty] = await aws.translate([long, ''], 'en', 'fr-CA');
    const calls = standIn.calls.slice(before);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((call) => Buffer.byteLength(call.text) <= 10000 && call.to === 'fr-CA')).toBe(true);
    // Every paragraph comes back, in order, each piece through the service once.
    expect(out.split('\n\n')).toHaveLength(4);
    expect(out.match(/\[fr-CA\]/g)).toHaveLength(calls.length);
    expect(out.indexOf('0 word')).toBeLessThan(out.indexOf('3 word'));
    expect(empty).toBe('');
    await expect(aws.translate(['Hello'], 'en', 'xx')).rejects.toMatchObject({ name: 'UnsupportedLanguagePairException' });
    const demo = new DemoTranslator();
    expect(demo.name).toBe('demo');
    expect(await demo.translate(['Keep me.'])).toEqual(['Keep me.']);
  });
});
