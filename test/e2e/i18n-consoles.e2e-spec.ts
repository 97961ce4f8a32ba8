import { AnalyticsModule } from '@consilium/analytics';
import { AuditModule } from '@consilium/audit';
import { Translator } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn } from '../support/leak-detector';
import { signInOperator } from '../support/operator-sign-in';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/**
 * The audit log and analytics in every platform language (the hospital's dashboard for an admin and a coordinator,
 * the operator's benchmarks), with refused filters and settings shown again as typed, and no word from another
 * language's catalog or from none. Another hospital's admin never sees this hospital's events or figures.
 */
describe('every word in the reader’s language: the audit log and analytics', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let tenant: TestHospital;
  let other: TestHospital;

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, AuditModule, AnalyticsModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    translator = app.get(Translator);
    ({ a: tenant, b: other } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
  });

  afterAll(() => app.close());

  function check(page: Page, locale: string, status: number, what: string): void {
    // The hospital's own words (its blueprint's specialty and physician) and names are data.
    const data = [tenant.name, 'Consilium', 'Test Cardiology', 'Cardiologist', `Doctor ${tenant.slug.slice(2)}`, 'MD', 'New York'];
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  it.each(LOCALES)('in %s: the log, a filtered page and a refused filter', async (locale) => {
    const admin = new WebClient(app, tenant.host);
    admin.cookies.set('lang', locale);
    await signInStaff(admin, tenant.people.admin);
    check(await admin.get('/console/audit'), locale, 200, 'audit log');
    check(await admin.get(`/console/audit?actor=${tenant.people.admin.id}&outcome=allowed`), locale, 200, 'filtered audit log');
    const refused = await admin.get('/console/audit?from=yesterday&action=Not+An+Action&subject=someone');
    check(refused, locale, 400, 'refused filter');
    expect(refused.text).toContain(translator.t('audit.list.actionInvalid', locale));
    expect(refused.text).toContain('value="yesterday"');
  });

  it.each(LOCALES)('in %s: analytics for an admin and a coordinator, refused filter and settings, benchmarks', async (locale) => {
    const admin = new WebClient(app, tenant.host);
    admin.cookies.set('lang', locale);
    await signInStaff(admin, tenant.people.admin);
    check(await admin.get('/console/analytics'), locale, 200, 'analytics');
    check(await admin.get('/console/analytics?from=2026-01-01&to=2026-03-31&class=international'), locale, 200, 'filtered analytics');
    const filter = await admin.get('/console/analytics?from=2026-02-30&to=soon');
    check(filter, locale, 400, 'refused analytics filter');
    expect(filter.text).toContain('value="2026-02-30"');
    expect(filter.text).toContain(translator.t('core.form.date', locale));
    await admin.get('/console/analytics');
    const settings = await admin.post('/console/analytics/settings', { monthly_cost: 'a lot' });
    check(settings, locale, 400, 'refused analytics settings');
    expect(settings.text).toContain('value="a lot"');
    const coordinator = new WebClient(app, tenant.host);
    coordinator.cookies.set('lang', locale);
    await signInStaff(coordinator, tenant.people.coordinator);
    check(await coordinator.get('/console/analytics'), locale, 200, 'operational analytics');
    const { client: operator } = await signInOperator(app);
    operator.cookies.set('lang', locale);
    check(await operator.get('/operator/benchmarks?months=6'), locale, 200, '/operator/benchmarks');
  });

  it('another hospital’s admin sees none of this hospital’s events, and 404 for its physician in analytics', async () => {
    const admin = new WebClient(app, other.host);
    await signInStaff(admin, other.people.admin);
    const page = await admin.get(`/console/audit?actor=${tenant.people.admin.id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(tenant.people.admin.email);
    expect(page.text).toContain(translator.t('audit.list.none', 'en'));
    expect((await admin.get(`/console/analytics?physician=${tenant.people.physician.id}`)).status).toBe(404);
  });
});
