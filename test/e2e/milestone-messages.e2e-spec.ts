import { PaymentsService } from '@consilium/billing';
import { CaseAssignments, CaseReview, CheckInsDue, FollowUps, LatePromises } from '@consilium/cases';
import { Clock, formatMoney, TenantDatabase, Translator } from '@consilium/core';
import { EmailRenderer } from '@consilium/notifications';
import { TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { actAs, advanceTestCase, asStaff, COMPLETE_OPINION, createTestCase, readCase } from '../support/cases';
import { expectNoLeaks } from '../support/leak-detector';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestPhysician, createTwoHospitals, TestHospital, testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FRIDAY = Date.parse('2026-11-27T15:00:00Z');

/** Health information the case carries, each a distinct canary that no email may contain. */
const CANARY = {
  diagnosis: `CANARY-diagnosis-${randomUUID().slice(0, 8)}`,
  treatment: `CANARY-treatment-${randomUUID().slice(0, 8)}`,
  reason: `CANARY-reason-${randomUUID().slice(0, 8)}`,
  summary: `CANARY-summary-${randomUUID().slice(0, 8)}`,
  answer: `CANARY-answer-${randomUUID().slice(0, 8)}`,
};

/** What the patient of one case is sent along the whole road, in order, each once. */
const ROAD = [
  'request-submitted',
  'records-requested',
  'request-accepted',
  'specialist-assigned',
  'running-late',
  'opinion-ready',
  'follow-up-answered',
  'check-in-due',
  'check-in-due',
  'refund-issued',
];

/**
 * Every milestone of a case, walked through the product by a patient in English and one in Spanish: each message is
 * sent once, in the patient's language, with no health information (the canaries), is a line on the patient's
 * timeline, and running the jobs again (or a reassignment) sends nothing twice. Emails are rows of the outbox table,
 * rendered here as the worker would.
 */
describe('a message at every milestone', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let now: number;
  let second: string;

  const at = (ms: number) => {
    now = ms;
  };
  const sent = (caseId: string) =>
    app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ template: string; to_address: string; locale: string; data: Record<string, unknown> }[]> =>
        tx.query(`SELECT template, to_address, locale, data FROM outbound_emails WHERE data->>'caseId' = $1 ORDER BY created_at, id`, [
          caseId,
        ]),
      );

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'] } }));
    const suffix = a.slug.slice(2);
    const doc = testBlueprint(a.slug).physicians![0];
    await applyTestBlueprint(
      app,
      testBlueprint(a.slug, { locales: ['en', 'es'], physicians: [doc, { ...doc, slug: `second-${suffix}` }] }),
    );
    second = (await createTestPhysician(app, a, `second-${suffix}`)).id;
    now = Date.now();
    jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(now));
  });

  afterAll(() => app.close());

  it.each(['en', 'es'])('walks a case through every milestone and tells the patient each once (%s)', async (locale) => {
    await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('UPDATE accounts SET locale = $2 WHERE id = $1', [a.people.patient.id, locale]));
    const coordinator = asStaff(a.people.coordinator, 'coordinator');
    at(FRIDAY);
    const c = await createTestCase(app, a, {
      state: 'triage',
      details: { diagnosis: CANARY.diagnosis, proposedTreatment: CANARY.treatment },
    });
    await actAs(app, a, coordinator, async () => {
      await app.get(CaseReview).move(c.id, 'request_records', CANARY.reason);
      await app.get(CaseReview).move(c.id, 'records_received');
    });
    await actAs(app, a, coordinator, () => app.get(CaseReview).move(c.id, 'accept'));
    await advanceTestCase(app, a, { ...c, state: 'accepted' }, 'assigned');
    // A reassignment tells the patient nothing new.
    const physicians = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ id: string; account_id: string }[]> => tx.query('SELECT id, account_id FROM physicians'));
    await actAs(app, a, coordinator, () => app.get(CaseAssignments).assign(c.id, physicians.find((p) => p.account_id === second)!.id));
    await actAs(app, a, coordinator, () =>
      app.get(CaseAssignments).assign(c.id, physicians.find((p) => p.account_id === a.people.physician.id)!.id),
    );
    const promised = (await readCase(app, a, c.id)).promisedBy!.getTime();
    at(promised + HOUR);
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('late');
    await advanceTestCase(app, a, { ...c, state: 'assigned' }, 'delivered', {
      opinion: { ...COMPLETE_OPINION, patientSummary: CANARY.summary },
    });
    await advanceTestCase(app, a, { ...c, state: 'delivered' }, 'follow_up');
    const [question] = await actAs(app, a, asStaff(a.people.physician, 'physician'), () => app.get(FollowUps).list(c.id));
    await actAs(app, a, asStaff(a.people.physician, 'physician'), () => app.get(FollowUps).answer(c.id, question.id, CANARY.answer));
    const delivered = (await readCase(app, a, c.id)).deliveredAt!.getTime();
    at(delivered + 31 * DAY);
    expect(await app.get(CheckInsDue).sweep(a.id)).toContain('sent');
    at(delivered + 91 * DAY);
    expect(await app.get(CheckInsDue).sweep(a.id)).toContain('sent');
    await actAs(app, a, asStaff(a.people.admin, 'admin'), () => app.get(PaymentsService).refund(c.id, 1000, 'Goodwill'));

    // Jobs run again (a retry, a sweep, a second delivery of the same due day) and send nothing more.
    expect(await app.get(CheckInsDue).sweep(a.id)).not.toContain('sent');
    expect(await app.get(CheckInsDue).check(a.id, c.id, 30)).toBe('already_sent');
    expect(await app.get(LatePromises).check(a.id, c.id)).not.toBe('late');

    const mail = (await sent(c.id)).filter((m) => m.to_address === a.people.patient.email);
    expect(mail.map((m) => m.template)).toEqual(ROAD);
    expect(mail.map((m) => m.data.day).filter(Boolean)).toEqual([30, 90]);
    expect(mail.find((m) => m.template === 'request-accepted')!.data).toMatchObject({ amount: expect.any(Number), currency: 'USD' });
    const tenant = (await app.get(TenantResolver).byId(a.id))!;
    const translator = app.get(Translator);
    const renderer = app.get(EmailRenderer);
    for (const m of mail) {
      expect(m.locale).toBe(locale);
      const email = renderer.render(tenant, m.template, m.locale, m.data);
      expect(email.locale).toBe(locale);
      const all = `${email.subject}\n${email.html}\n${email.text}`;
      for (const canary of Object.values(CANARY)) expect(all).not.toContain(canary);
      expectNoLeaks(email.html, { locale, translator, allow: [tenant.name], page: `${m.template} (${locale})` });
    }
    // The refund email states the amount refunded (the 1000 minor units refunded above), in the patient's language.
    const refund = mail.find((m) => m.template === 'refund-issued')!;
    expect(refund.data).toEqual({ caseId: c.id, amount: 1000, currency: 'USD' });
    expect(renderer.render(tenant, 'refund-issued', locale, refund.data).text).toContain(
      translator.t('notifications.email.refund-issued.amount', locale, { amount: formatMoney(1000, 'USD', locale) }),
    );
    if (locale === 'es') {
      const accepted = renderer.render(tenant, 'request-accepted', 'es', mail.find((m) => m.template === 'request-accepted')!.data);
      expect(accepted.text).toContain('Su opinión está prometida para antes del');
    }

    // Each message is a line of the patient's timeline, in their language.
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const page = await patient.get(`/account/cases/${c.id}?lang=${locale}`);
    const lines = page.text.match(locale === 'es' ? /Le enviamos un correo/g : /We emailed you/g) ?? [];
    expect(lines).toHaveLength(ROAD.length);
    // The other hospital sees no such case.
    const other = new WebClient(app, b.host);
    await signInPatient(other, b.people.patient);
    expect((await other.get(`/account/cases/${c.id}`)).status).toBe(404);
  });

  it('tells the patient when a request is declined and when it is cancelled, once each', async () => {
    at(FRIDAY);
    const declined = await createTestCase(app, a, { state: 'declined' });
    const cancelled = await createTestCase(app, a, { state: 'cancelled' });
    expect((await sent(declined.id)).map((m) => m.template)).toEqual(['request-submitted', 'request-declined']);
    expect((await sent(cancelled.id)).map((m) => m.template)).toEqual(['request-submitted', 'request-cancelled']);
  });
});
