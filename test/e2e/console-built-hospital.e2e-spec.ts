import { AccountMail, IdentityModule } from '@consilium/identity';
import { RosterConsoleModule } from '@consilium/roster';
import { BlueprintCatalog, BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postMultipart, signInOperator } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { testCasePrefix } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/**
 * A hospital made with nothing but the consoles: the operator's wizard (with the built-in starting catalog) and the
 * invited admin's forms, through HTTP as a browser would post them. Its export is a valid blueprint that applies back
 * with "no changes", so what the consoles make and what blueprints say are the same thing.
 */
describe('a hospital built only in the consoles', () => {
  let app: NestFastifyApplication;
  let out: string;
  const slug = `cb-${randomBytes(3).toString('hex')}`;
  const host = `${slug}.localhost`;
  const adminEmail = `ada@${slug}.example.org`;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, RosterConsoleModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    out = mkdtempSync(path.join(tmpdir(), 'console-built-'));
  });

  afterAll(async () => {
    await app.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('the wizard copies the starting catalog in every language and points at the launch checklist', async () => {
    const { client: op } = await signInOperator(app);
    const created = await postMultipart(
      app,
      op,
      '/operator/tenants/new',
      '/operator/tenants',
      {
        name: `Console Built ${slug}`,
        slug,
        case_prefix: testCasePrefix(slug),
        time_zone: 'America/Chicago',
        currency: 'USD',
        locales: ['en', 'es', 'fr'],
        default_locale: 'en',
        primary_domain: '',
        color_primary: '#0b5394',
        color_accent: '#e69138',
        color_text: '#1a1a1a',
        color_background: '#ffffff',
        home_state: 'US-IL',
        unlicensed_states: 'decline',
        international: 'decline',
        contact_phone: '+1 312 555 0100',
        contact_email: `care@${slug}.example.org`,
        starter_catalog: '1',
        admin_name: 'Ada Admin',
        admin_email: adminEmail,
      },
      { field: 'logo', name: 'logo.png', bytes: PNG, type: 'image/png' },
    );
    expect(created.status).toBe(303);
    const page = await op.get(created.location!);
    expect(page.text).toContain('The hospital was created.');
    expect(page.text).toMatch(new RegExp(`href="http://${host}(:\\d+)?/console/launch"`));

    const blueprint = (await app.get(BlueprintExporter).export(slug))!.blueprint;
    expect(blueprint.specialties!.map((s) => s.slug)).toEqual(['oncology', 'cardiology', 'orthopedics']);
    expect(blueprint.specialties![0].name).toEqual({ en: 'Oncology', es: 'Oncología', fr: 'Oncologie' });
    expect(blueprint.offerings!.map((o) => [o.slug, o.price, o.intake_questions!.map((q) => q.key)])).toEqual([
      ['oncology-review', '950.00', ['diagnosis', 'biopsy', 'treatment']],
      ['cardiology-review', '950.00', ['diagnosis', 'procedure', 'treatment']],
      ['orthopedics-review', '950.00', ['diagnosis', 'procedure', 'treatment']],
    ]);
    expect(blueprint.offerings![0].intake_questions![1].options![2]).toEqual({
      value: 'not-sure',
      label: { en: 'Not sure', es: 'No estoy seguro', fr: 'Je ne sais pas' },
    });
  });

  it('the invited admin edits the catalog and adds a physician; the export applies back with "no changes"', async () => {
    const admin = new WebClient(app, host);
    const invitation = RecordingAccountMail.last(adminEmail, 'staff-invitation')!;
    const invitationPath = new URL(invitation.data.url!).pathname;
    expect((await admin.submit(invitationPath, { password: 'a console-built passphrase' })).status).toBe(303);
    await admin.submit('/console/sign-in', { email: adminEmail, password: 'a console-built passphrase' });
    const enroll = await admin.get('/console/mfa');
    const secret = /<span class="secret"[^>]*>([A-Z2-7]+)<\/span>/.exec(enroll.text)![1];
    expect((await admin.post('/console/mfa', { code: await freshCode(adminEmail, secret, app) })).status).toBe(200);

    const words = (name: string) => ({ name_en: name, name_es: `${name} (es)`, name_fr: `${name} (fr)` });
    expect(
      (
        await admin.submit('/console/catalog/specialties', {
          slug: 'neurology',
          ...words('Neurology'),
          summary_en: 'Brain and nerves.',
          summary_es: 'Cerebro y nervios.',
          summary_fr: 'Cerveau et nerfs.',
        })
      ).status,
    ).toBe(303);
    await admin.get('/console/catalog/specialties');
    expect((await admin.post('/console/catalog/specialties/neurology/up')).status).toBe(303);
    expect(
      (
        await admin.submit(
          '/console/catalog/offerings/new',
          {
            slug: 'neurology-review',
            specialty: 'neurology',
            ...words('Neurology review'),
            description_en: 'A review.',
            description_es: 'Una revisión.',
            description_fr: 'Un avis.',
            price: '1,100.00',
            turnaround_days: '6',
            follow_up_questions: '2',
          },
          '/console/catalog/offerings',
        )
      ).status,
    ).toBe(303);
    expect(
      (
        await admin.submit('/console/catalog/offerings/neurology-review/questions', {
          question_0_key: 'symptoms',
          question_0_type: 'choice',
          question_0_required: '1',
          question_0_label_en: 'Which symptom worries you most?',
          question_0_label_es: '¿Qué síntoma le preocupa más?',
          question_0_label_fr: 'Quel symptôme vous inquiète le plus ?',
          question_0_options_en: 'Headaches\nSeizures',
          question_0_options_es: 'Dolores de cabeza\nConvulsiones',
          question_0_options_fr: 'Maux de tête\nCrises',
          jurisdictions: 'MX',
          inpatients: '1',
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await admin.submit(
          '/console/roster/new',
          {
            slug: 'nora-nguyen',
            name: 'Dr. Nora Nguyen',
            credentials: 'MD',
            title_en: 'Neurologist',
            title_es: 'Neuróloga',
            title_fr: 'Neurologue',
            bio_en: 'Epilepsy care.',
            bio_es: 'Epilepsia.',
            bio_fr: 'Épilepsie.',
            accepting_new_cases: '1',
            weekly_capacity: '5',
            stipend: '200.00',
            specialties: ['neurology'],
            license_0_jurisdiction: 'US-IL',
            license_0_number: 'IL-555',
            license_0_expires: '2031-01-31',
          },
          '/console/roster',
        )
      ).status,
    ).toBe(303);

    // Export: a valid blueprint with what the consoles made; applied back, it changes nothing.
    expect(await app.get(BlueprintExporter).write(slug, out)).toBe(path.join(out, slug));
    const yaml = readFileSync(path.join(out, slug, 'tenant.yaml'), 'utf8');
    expect(yaml).toContain('slug: neurology-review');
    expect(yaml).toContain('price: "1100.00"');
    expect(yaml).toContain('slug: nora-nguyen');
    const applied = await app.get(BlueprintCatalog).apply([slug], { root: out });
    expect(applied.problems).toEqual([]);
    expect(applied.kept).toEqual([]);
    expect(applied.results.map((r) => [r.slug, r.changes])).toEqual([[slug, []]]);
    const specialties = (await app.get(BlueprintExporter).export(slug))!.blueprint.specialties!.map((s) => s.slug);
    expect(specialties).toEqual(['oncology', 'cardiology', 'neurology', 'orthopedics']);
  });
});
