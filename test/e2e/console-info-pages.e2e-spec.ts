import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * The admin's info pages (pricing introduction and refund policy, privacy, terms), stored as the blueprint's
 * `pages:`: the site shows them at once, export carries them, a refused form keeps what was typed, and each hospital
 * edits only its own.
 */
describe('admin console: info pages', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let adminA: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'] }, b: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    adminA = new WebClient(app, a.host);
    await signInStaff(adminA, a.people.admin);
  });

  afterAll(() => app.close());

  const pages = async (slug: string) => (await app.get(BlueprintExporter).export(slug))!.blueprint.pages;
  const form = (overrides: Record<string, string> = {}) => ({
    pricing_intro_en: 'Our prices include the written opinion.',
    pricing_intro_es: 'Nuestros precios incluyen la opinión escrita.',
    refund_policy_en: 'Full refund before a physician starts.',
    refund_policy_es: 'Reembolso total antes de que empiece un médico.',
    privacy_0_heading_en: 'What we keep',
    privacy_0_heading_es: 'Qué guardamos',
    privacy_0_body_en: 'Your records, for seven years.',
    privacy_0_body_es: 'Sus registros, durante siete años.',
    privacy_1_heading_en: '',
    privacy_1_heading_es: '',
    privacy_1_body_en: '',
    privacy_1_body_es: '',
    ...overrides,
  });

  it('saves the pricing and privacy pages; the site shows them and export carries them; terms keep the standard text', async () => {
    expect((await adminA.get('/console/site/pages')).status).toBe(200);
    const saved = await adminA.submit('/console/site/pages', form());
    expect(saved.location).toBe('/console/site/pages?saved=1');
    const site = new WebClient(app, a.host);
    expect((await site.get('/privacy')).text).toContain('Your records, for seven years.');
    expect((await site.get('/pricing')).text).toContain('Full refund before a physician starts.');
    expect(await pages(a.slug)).toMatchObject({
      pricing: {
        intro: { en: 'Our prices include the written opinion.' },
        refund_policy: { es: 'Reembolso total antes de que empiece un médico.' },
      },
      privacy: { sections: [{ heading: { en: 'What we keep', es: 'Qué guardamos' }, body: { en: 'Your records, for seven years.' } }] },
    });
    expect((await pages(a.slug))?.terms).toBeUndefined();
    // Removing the only section gives the privacy page back its standard text.
    expect((await adminA.submit('/console/site/pages', form({ privacy_0_remove: '1' }))).status).toBe(303);
    expect((await pages(a.slug))?.privacy).toBeUndefined();
  });

  it('refuses an introduction without a refund policy and a section without its Spanish text, keeping what was typed', async () => {
    const before = await pages(a.slug);
    const refused = await adminA.submit(
      '/console/site/pages',
      form({ refund_policy_en: '', refund_policy_es: '', privacy_0_body_es: '', privacy_0_heading_en: 'Typed heading' }),
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('A pricing page with an introduction needs its refund policy too.');
    expect(refused.text).toContain('Enter this text in Spanish too.');
    expect(refused.text).toContain('value="Typed heading"');
    expect(await pages(a.slug)).toEqual(before);
  });

  it("every word in en, es and fr; another hospital's admin sees and edits only its own pages", async () => {
    const translator = app.get(Translator);
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, b.people.admin);
    expect((await adminB.get('/console/site/pages')).text).not.toContain('Your records');
    for (const locale of ['en', 'es', 'fr']) {
      adminB.cookies.set('lang', locale);
      const check = (page: { status: number; text: string }, status: number, what: string) =>
        expectPageIn(page, locale, { status, what, translator, allow: [b.name, 'Consilium', 'Typed'] });
      check(await adminB.get('/console/site/pages'), 200, 'info pages');
      check(
        await adminB.submit('/console/site/pages', { pricing_intro_en: 'Typed', privacy_0_heading_en: 'Typed' }),
        400,
        'refused info pages',
      );
    }
    expect((await pages(b.slug)) ?? {}).toEqual({});
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console/site/pages')).status).toBe(403);
  });
});
