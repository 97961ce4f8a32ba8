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
 * The admin's email sender, in the table the blueprint's `email:` block writes: export carries it; a bad address or
 * another hospital's is refused beside the field with what was typed; each hospital sees only its own.
 */
describe('admin console: email sender', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let adminA: WebClient;
  let adminB: WebClient;

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] });
    ({ a, b } = await createTwoHospitals(app, { b: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    adminA = new WebClient(app, a.host);
    await signInStaff(adminA, a.people.admin);
    adminB = new WebClient(app, b.host);
    await signInStaff(adminB, b.people.admin);
  });

  afterAll(() => app.close());

  const exported = async (slug: string) => (await app.get(BlueprintExporter).export(slug))!.blueprint.email;

  it('saves the sender; export carries it as the blueprint would say it', async () => {
    const page = await adminA.get('/console/email-sender');
    expect(page.status).toBe(200);
    expect(page.text).toContain('No sender yet');
    const saved = await adminA.submit('/console/email-sender', {
      from_name: 'Care Team',
      from_address: `Care@${a.slug}.example.org`,
      reply_to: '',
    });
    expect(saved.location).toBe('/console/email-sender?saved=1');
    expect((await adminA.get('/console/email-sender?saved=1')).text).toContain('The sender was saved.');
    expect(await exported(a.slug)).toEqual({ from_name: 'Care Team', from_address: `care@${a.slug}.example.org` });
    await adminA.submit('/console/email-sender', {
      from_name: 'Care Team',
      from_address: `care@${a.slug}.example.org`,
      reply_to: 'help@x.org',
    });
    expect(await exported(a.slug)).toEqual({ from_name: 'Care Team', from_address: `care@${a.slug}.example.org`, reply_to: 'help@x.org' });
  });

  it("refuses a bad address and another hospital's, beside the field, keeping what was typed and changing nothing", async () => {
    const before = await exported(a.slug);
    const bad = await adminA.submit('/console/email-sender', { from_name: '', from_address: 'care at hospital', reply_to: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter the name emails come from.');
    expect(bad.text).toContain('Enter an email address, e.g. care@hospital.example.org.');
    expect(bad.text).toContain('value="care at hospital"');
    expect(bad.text).toMatch(/id="f-from_address-error"/);
    // Hospital b tries a's address: refused without naming whose it is.
    const taken = await adminB.submit('/console/email-sender', { from_name: 'B', from_address: `care@${a.slug}.example.org` });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('This address cannot be used');
    expect(taken.text).not.toContain(a.name);
    expect(await exported(b.slug)).toBeUndefined();
    expect(await exported(a.slug)).toEqual(before);
    // Each hospital sees only its own sender.
    expect((await adminB.get('/console/email-sender')).text).not.toContain(`care@${a.slug}`);
  });

  it('every word in en, es and fr, the page and its refused form; a coordinator gets 403', async () => {
    const translator = app.get(Translator);
    for (const locale of ['en', 'es', 'fr']) {
      adminB.cookies.set('lang', locale);
      const check = (page: { status: number; text: string }, status: number, what: string) =>
        expectPageIn(page, locale, { status, what, translator, allow: [b.name, 'Consilium', 'care at hospital'] });
      check(await adminB.get('/console/email-sender'), 200, 'email sender');
      check(await adminB.submit('/console/email-sender', { from_name: '', from_address: 'care at hospital' }), 400, 'refused sender');
    }
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    expect((await coordinator.get('/console/email-sender')).status).toBe(403);
  });
});
