import { AccountMail, IdentityModule } from '@consilium/identity';
import { BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { postMultipart } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, createTestTenant, TestHospital, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** A text key shown as itself: its words are missing from the lib's i18n files. */
const UNTRANSLATED = /\b(catalog|roster|marketing|site|identity)\.(console|operator)\.[A-Za-z]/;

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const EXECUTABLE = Buffer.concat([Buffer.from('MZ'), randomBytes(300)]);
/** A 1x1 icon file as browsers take it: an ICO directory of one entry holding the PNG above. */
const ICO = (() => {
  const head = Buffer.alloc(22);
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(1, 4); // one image
  head.writeUInt8(1, 6); // 1 x 1
  head.writeUInt8(1, 7);
  head.writeUInt16LE(1, 10); // planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(PNG.length, 14);
  head.writeUInt32LE(22, 18);
  return Buffer.concat([head, PNG]);
})();

describe('admin console: landing copy and branding', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestTenant;
  let peopleA: TestPeople;
  let adminA: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    a = await createTestHospital(app, { legal_footer: 'Old footer' });
    // Only b's public pages are read, to show a's settings stay a's: nobody signs in there.
    b = await createTestTenant(app);
    peopleA = a.people;
    adminA = new WebClient(app, a.host);
    await signInStaff(adminA, peopleA.admin);
  });

  afterAll(() => app.close());

  async function tenantRow(id: string): Promise<{ branding: Record<string, unknown>; profile: Record<string, unknown> }> {
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      return (await pg.query('SELECT branding, profile FROM tenants WHERE id = $1', [id])).rows[0];
    } finally {
      await pg.end();
    }
  }

  it('edits the hero, value points and steps: the home page shows them on the next request, and export carries them', async () => {
    const page = await adminA.get('/console/site');
    expect(page.status).toBe(200);
    for (const path of ['/console/site', '/console/branding', '/console']) {
      for (const lang of ['en', 'es']) expect((await adminA.get(path, { 'accept-language': lang })).text).not.toMatch(UNTRANSLATED);
    }
    const saved = await adminA.post('/console/site/landing', {
      hero_title_en: 'Certainty before surgery',
      hero_subtitle_en: 'A specialist reads your case.',
      hero_cta_en: 'Ask us',
      value_title_en: 'Why us',
      point_0_title_en: 'Fast',
      point_0_text_en: 'Five days or less.',
      step_0_title_en: 'Send',
      step_0_text_en: 'Your records.',
      step_1_title_en: 'Read',
      step_1_text_en: 'Your opinion.',
      step_2_title_en: '',
      step_2_text_en: '',
    });
    expect(saved.status).toBe(303);
    const home = await new WebClient(app, a.host).get('/');
    expect(home.text).toContain('Certainty before surgery');
    expect(home.text).toContain('Five days or less.');
    expect(home.text).toContain('Your opinion.');
    const exported = (await app.get(BlueprintExporter).export(a.slug))!.blueprint;
    expect(exported.landing).toEqual({
      hero: { title: 'Certainty before surgery', subtitle: 'A specialist reads your case.', cta: 'Ask us' },
      value: { title: 'Why us', points: [{ title: 'Fast', text: 'Five days or less.' }] },
      steps: [
        { title: 'Send', text: 'Your records.' },
        { title: 'Read', text: 'Your opinion.' },
      ],
    });
  });

  it('refuses a headline-less home page and a lone step, keeping what was typed', async () => {
    await adminA.get('/console/site');
    const refused = await adminA.post('/console/site/landing', {
      hero_title_en: '',
      hero_subtitle_en: 'Typed subtitle',
      step_0_title_en: 'Only',
      step_0_text_en: 'One step.',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Enter this text.');
    expect(refused.text).toContain('Describe at least two steps');
    expect(refused.text).toContain('value="Typed subtitle"');
    expect((await new WebClient(app, a.host).get('/')).text).toContain('Certainty before surgery');
  });

  it('adds, edits and removes FAQs and testimonials', async () => {
    await adminA.get('/console/site');
    expect(
      (
        await adminA.post('/console/site/faqs', {
          faq_0_topic: 'general',
          faq_0_question_en: 'Is this a test?',
          faq_0_answer_en: 'Yes.',
          faq_0_remove: '1',
          faq_1_topic: 'pricing',
          faq_1_question_en: 'Can I pay later?',
          faq_1_answer_en: 'Your card is held, not charged.',
        })
      ).status,
    ).toBe(303);
    const faq = await new WebClient(app, a.host).get('/faq');
    expect(faq.text).toContain('Can I pay later?');
    expect(faq.text).not.toContain('Is this a test?');

    await adminA.get('/console/site');
    expect(
      (
        await adminA.post('/console/site/testimonials', {
          testimonial_0_quote_en: 'They caught what others missed.',
          testimonial_0_author: 'Ana R., Joliet',
        })
      ).status,
    ).toBe(303);
    expect((await new WebClient(app, a.host).get('/')).text).toContain('They caught what others missed.');
    const exported = (await app.get(BlueprintExporter).export(a.slug))!.blueprint;
    expect(exported.faqs).toEqual([{ topic: 'pricing', question: 'Can I pay later?', answer: 'Your card is held, not charged.' }]);
    expect(exported.testimonials).toEqual([{ quote: 'They caught what others missed.', author: 'Ana R., Joliet' }]);

    await adminA.get('/console/site');
    const refused = await adminA.post('/console/site/testimonials', { testimonial_0_quote_en: 'No author', testimonial_0_author: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Name the patient as they agreed to be named');
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.testimonials).toHaveLength(1);
  });

  it('edits colours, fonts, contact and legal footer: the theme and footer change on the next request', async () => {
    await adminA.get('/console/branding');
    const saved = await adminA.post('/console/branding', {
      color_primary: '#8a1538',
      color_accent: '#f2a900',
      color_text: '#111111',
      color_background: '#fffdf8',
      font_heading: 'Georgia, serif',
      font_body: 'system-ui, sans-serif',
      logo_alt: '',
      contact_phone: '+1 312 555 0100',
      contact_email: 'care@example.org',
      contact_address: '1 Lake St',
      legal_footer_en: 'New footer, 2027',
    });
    expect(saved.status).toBe(303);
    const site = new WebClient(app, a.host);
    const home = await site.get('/');
    expect(home.text).toContain('New footer, 2027');
    expect(home.text).toContain('+1 312 555 0100');
    const themeUrl = /href="([^"]*theme\.css[^"]*)"/.exec(home.text)![1];
    const theme = await site.get(themeUrl);
    expect(theme.text).toContain('--brand-primary: #8a1538');
    expect(theme.text).toContain('--font-heading: Georgia, serif');
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint).toMatchObject({
      legal_footer: 'New footer, 2027',
      contact: { phone: '+1 312 555 0100', email: 'care@example.org', address: '1 Lake St' },
      branding: { colors: { primary: '#8a1538', accent: '#f2a900' }, fonts: { heading: 'Georgia, serif' } },
    });
  });

  it('refuses a colour that is not #rrggbb and CSS in a font beside their fields, and changes nothing', async () => {
    const before = await tenantRow(a.id);
    await adminA.get('/console/branding');
    const refused = await adminA.post('/console/branding', {
      color_primary: 'red;}body{display:none',
      color_accent: '#f2a900',
      color_text: '#111111',
      color_background: '#fffdf8',
      font_heading: 'x;}',
      font_body: 'system-ui',
      contact_email: 'not-an-email',
      legal_footer_en: 'Typed footer',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Write a colour as #rrggbb, e.g. #0b5394.');
    expect(refused.text).toContain('id="f-font_heading-error"');
    expect(refused.text).toContain('Enter an email address like info@example.org.');
    expect(refused.text).toContain('value="Typed footer"');
    expect(await tenantRow(a.id)).toEqual(before);
  });

  it('uploads a logo judged by its content; an executable named .png is refused and changes nothing', async () => {
    const before = await tenantRow(a.id);
    const refused = await postMultipart(
      app,
      adminA,
      '/console/branding',
      '/console/branding/logo',
      {},
      { field: 'logo', name: 'logo.png', bytes: EXECUTABLE, type: 'image/png' },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('The file is not an SVG, PNG, JPEG, WebP or ICO image.');
    expect(await tenantRow(a.id)).toEqual(before);

    const saved = await postMultipart(
      app,
      adminA,
      '/console/branding',
      '/console/branding/logo',
      {},
      { field: 'logo', name: 'whatever.bin', bytes: PNG, type: 'application/octet-stream' },
    );
    expect(saved.status).toBe(303);
    expect((await tenantRow(a.id)).branding.logo).toBe('logo.png');
    const site = new WebClient(app, a.host);
    const logoUrl = /src="(\/brand\/[0-9a-f]+\/logo\.png)"/.exec((await site.get('/')).text)?.[1];
    expect(logoUrl).toBeDefined();
    const logo = await site.get(logoUrl!);
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect((await app.get(BlueprintExporter).export(a.slug))!.assets.map((x) => x.name)).toEqual(['logo.png']);
  });

  it('uploads a favicon judged by its content; the site links it, export carries it, and a new logo leaves it', async () => {
    const before = await tenantRow(a.id);
    const refused = await postMultipart(
      app,
      adminA,
      '/console/branding',
      '/console/branding/favicon',
      {},
      { field: 'favicon', name: 'favicon.ico', bytes: EXECUTABLE, type: 'image/x-icon' },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/id="f-favicon-error">The file is not an SVG, PNG, JPEG, WebP or ICO image\./);
    expect(await tenantRow(a.id)).toEqual(before);
    const empty = await postMultipart(
      app,
      adminA,
      '/console/branding',
      '/console/branding/favicon',
      {},
      { field: 'favicon', name: 'empty.ico', bytes: Buffer.alloc(0), type: 'image/x-icon' },
    );
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Choose an image file.');

    const saved = await postMultipart(
      app,
      adminA,
      '/console/branding',
      '/console/branding/favicon',
      {},
      { field: 'favicon', name: 'icon.bin', bytes: ICO, type: 'application/octet-stream' },
    );
    expect(saved.status).toBe(303);
    expect((await tenantRow(a.id)).branding.favicon).toBe('favicon.ico');
    const site = new WebClient(app, a.host);
    const iconUrl = /<link rel="icon" href="(\/brand\/[0-9a-f]+\/favicon\.ico)">/.exec((await site.get('/pricing')).text)?.[1];
    expect(iconUrl).toBeDefined();
    const icon = await request(app.getHttpServer()).get(iconUrl!).set('Host', a.host).responseType('blob');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/x-icon');
    expect(Buffer.compare(icon.body as Buffer, ICO)).toBe(0);
    expect((await adminA.get('/console/branding')).text).toContain(`src="${iconUrl}"`);

    // A new logo replaces the logo only; the export re-applies to the same brand.
    expect(
      (
        await postMultipart(
          app,
          adminA,
          '/console/branding',
          '/console/branding/logo',
          {},
          { field: 'logo', name: 'l.png', bytes: PNG, type: 'image/png' },
        )
      ).status,
    ).toBe(303);
    const exported = (await app.get(BlueprintExporter).export(a.slug))!;
    expect(exported.blueprint.branding).toMatchObject({ logo: 'assets/logo.png', favicon: 'assets/favicon.ico' });
    expect(exported.assets.map((x) => x.name).sort()).toEqual(['favicon.ico', 'logo.png']);
    // Another hospital's site never links it.
    expect((await new WebClient(app, b.host).get('/pricing')).text).not.toContain('favicon.ico');
  });

  it('is 403 for a coordinator and touches only the signed-in hospital', async () => {
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.get('/console/site')).status).toBe(403);
    expect((await coordinator.get('/console/branding')).status).toBe(403);
    expect((await coordinator.get('/console')).status).toBe(200);
    const refused = await coordinator.post('/console/branding', {
      color_primary: '#000000',
      color_accent: '#000000',
      color_text: '#000000',
      color_background: '#000000',
      font_heading: 'serif',
      font_body: 'serif',
    });
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain('This form has expired');
    // B's site kept its own look through all of A's edits.
    const theme = await new WebClient(app, b.host).get('/theme.css');
    expect(theme.text).toContain('--brand-primary: #123456');
  });
});
