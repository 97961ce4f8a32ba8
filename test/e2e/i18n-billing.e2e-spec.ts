import { Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { signInOperator } from '../support/operator-sign-in';
import { checkout, createFundingProgram, draftCase, operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital, TestPeople } from '../support/tenants';
import { Page, WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];
const NOWHERE = '00000000-0000-4000-8000-000000000000';

/**
 * Billing in every platform language: the patient's checkout, receipt and extras, the revenue, funding, video
 * consult and stipend consoles, the operator's revenue page, and each refused form, with no word from another
 * language's catalog or from none. Another hospital's patient and staff get 404 for this hospital's payment.
 */
describe('every word in the reader’s language: billing pages', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let tenant: TestHospital;
  let other: TestHospital;
  let people: TestPeople;
  let otherPeople: TestPeople;
  let data: string[];
  let caseId: string;
  let paymentId: string;
  let checkoutPath: string;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    translator = app.get(Translator);
    tenant = await createTestHospital(app, { locales: LOCALES, default_locale: 'en' });
    other = await createTestHospital(app);
    people = tenant.people;
    otherPeople = other.people;
    // A code program, so the console shows the form that creates codes.
    const program = await createFundingProgram(app, tenant, 'Acme Health Fund');
    await operatorQuery(app, `UPDATE funding_programs SET access = 'code' WHERE id = $1`, [program]);
    const c = await draftCase(app, tenant, people.patient.id, { total: 95000 });
    caseId = c.id;
    // Intake's last step starts the checkout, as the patient's "Pay" does.
    const start = await checkout(app, tenant, c);
    paymentId = start.paymentId;
    checkoutPath = new URL(start.redirectUrl).pathname;
    // The hospital's own words (its name, the program's name) are data on these pages.
    data = [tenant.name, 'Acme Health Fund', 'Consilium'];
  });

  afterAll(() => app.close());

  const reader = (host: string, locale: string): WebClient => readerIn(app, host, locale);

  function check(page: Page, locale: string, status: number, what: string): void {
    expectPageIn(page, locale, { status, what, translator, allow: data });
  }

  describe.each(LOCALES)('in %s', (locale) => {
    it('the patient’s checkout, receipt and extras, and a refused purchase', async () => {
      const patient = reader(tenant.host, locale);
      await signInPatient(patient, people.patient);
      check(await patient.get(checkoutPath), locale, 200, 'demo checkout');
      check(await patient.get(`/account/receipts/${paymentId}`), locale, 200, 'receipt');
      check(await patient.get(`/account/receipts/${paymentId}?checkout=done`), locale, 200, 'receipt after checkout');
      check(await patient.get(`/account/cases/${caseId}/extras`), locale, 200, 'extras');
      check(await patient.get(`/account/cases/${caseId}/confirm-payment`), locale, 200, 'confirm payment, nothing to confirm');
      check(await patient.get(`/account/cases/${caseId}/cancel`), locale, 200, 'cancel, what the card gets back');
      const refused = await patient.submit(`/account/cases/${caseId}/extras`, { kind: 'video_consult' });
      check(refused, locale, 400, 'refused extra');
      expect(refused.text).toContain(translator.t('payments.extras.unavailable', locale));
    });

    it('the billing consoles and their refused forms', async () => {
      const admin = reader(tenant.host, locale);
      await signInStaff(admin, people.admin);
      for (const path of ['/console/revenue', `/console/revenue/payments/${paymentId}`, '/console/funding', '/console/stipends'])
        check(await admin.get(path), locale, 200, path);
      const refund = await admin.submit('/console/revenue', { caseId: 'none', amount: 'lots', reason: '' }, '/console/revenue/refunds');
      check(refund, locale, 400, 'refused refund');
      expect(refund.text).toContain('value="lots"');
      const code = await admin.submit(
        '/console/funding',
        { program: '', label: '', max_uses: 'many', expires_on: 'soon' },
        '/console/funding/codes',
      );
      check(code, locale, 400, 'refused sponsor code');
      expect(code.text).toContain(translator.t('payments.funding.maxUsesInvalid', locale));
      check(await admin.get('/console/stipends?month=someday'), locale, 400, 'refused month');
      const rules = `/console/refunds/offerings/${tenant.offeringSlug}`;
      check(await admin.get('/console/refunds'), locale, 200, 'refund rules');
      check(await admin.get(rules), locale, 200, "an offering's refund rules");
      const wrongRule = await admin.submit(rules, { own: 'own', late_refund_0_days: 'late', late_refund_0_percent: '500' });
      check(wrongRule, locale, 400, 'refused refund rule');
      expect(wrongRule.text).toContain(translator.t('payments.refundRules.percentInvalid', locale));

      const coordinator = reader(tenant.host, locale);
      await signInStaff(coordinator, people.coordinator);
      for (const path of ['/console/funding/reviews', '/console/extras']) check(await coordinator.get(path), locale, 200, path);
      check(
        await coordinator.submit('/console/funding/reviews', { decision: 'maybe' }, `/console/funding/reviews/${NOWHERE}`),
        locale,
        400,
        'refused review',
      );
      check(
        await coordinator.submit('/console/extras', { scheduled_for: 'next tuesday' }, `/console/extras/${NOWHERE}/schedule`),
        locale,
        400,
        'refused schedule',
      );
    });

    it('the operator’s revenue page', async () => {
      const { client } = await signInOperator(app);
      client.cookies.set('lang', locale);
      check(await client.get('/operator/revenue'), locale, 200, '/operator/revenue');
    });
  });

  it('another hospital’s patient and staff get 404 for this hospital’s payment, checkout and extras', async () => {
    const patient = new WebClient(app, other.host);
    await signInPatient(patient, otherPeople.patient);
    expect((await patient.get(`/account/receipts/${paymentId}`)).status).toBe(404);
    expect((await patient.get(checkoutPath)).status).toBe(404);
    expect((await patient.get(`/account/cases/${caseId}/extras`)).status).toBe(404);
    expect((await patient.get(`/account/cases/${caseId}/confirm-payment`)).status).toBe(404);
    const admin = new WebClient(app, other.host);
    await signInStaff(admin, otherPeople.admin);
    expect((await admin.get(`/console/revenue/payments/${paymentId}`)).status).toBe(404);
  });
});
