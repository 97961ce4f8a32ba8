import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase, readCase, TestCase } from '../support/cases';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { signUpPatient } from '../support/sign-up';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

describe('patient portal', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let submitted: TestCase;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    const locales = { locales: ['en', 'es', 'fr'], default_locale: 'en' };
    ({ a, b } = await createTwoHospitals(app, { a: locales, b: locales }));
    peopleA = a.people;
    peopleB = b.people;
    submitted = await createTestCase(app, a, { state: 'submitted', details: { diagnosis: 'CANARY-DIAGNOSIS' } });
  });

  afterAll(() => app.close());

  it("lists the patient's requests and shows a timeline from the case events", async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const home = await patient.get('/account');
    expect(home.text).toContain(submitted.number);
    expect(home.text).toContain('Sent');
    const page = await patient.get(`/account/cases/${submitted.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Request sent');
    expect(page.text).toContain('You can cancel until the hospital accepts');
  });

  it('exchanges messages, keeps a message that was too long, and records an event without its text', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    await patient.get(`/account/cases/${submitted.id}`);
    const long = await patient.post(`/account/cases/${submitted.id}/messages`, { body: 'x'.repeat(5001) });
    expect(long.status).toBe(400);
    expect(long.text).toContain('Keep a message under 5000 characters.');
    expect(long.text).toContain('x'.repeat(100));
    const sent = await patient.post(`/account/cases/${submitted.id}/messages`, { body: 'Do you need my 2019 scans too?' });
    expect(sent.status).toBe(303);
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const events = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query(`SELECT data FROM case_events WHERE case_id = $1 AND type = 'message'`, [submitted.id]));
    expect(events).toEqual([{ data: { authorKind: 'patient' } }]);
    expect((await patient.get(`/account/cases/${submitted.id}`)).text).toContain('Do you need my 2019 scans too?');
  });

  it("answers 404 for another patient's case and for the same case on another hospital's host", async () => {
    const other = new WebClient(app, a.host);
    const email = `other.${Date.now()}@example.org`;
    await signUpPatient(other, app, a.id, { name: 'Other', email, password: 'another long passphrase' });
    expect((await other.get(`/account/cases/${submitted.id}`)).status).toBe(404);
    expect((await other.post(`/account/cases/${submitted.id}/messages`, { body: 'hello' })).status).toBe(404);
    const onB = new WebClient(app, b.host);
    await signInPatient(onB, peopleB.patient);
    expect((await onB.get(`/account/cases/${submitted.id}`)).status).toBe(404);
    expect((await onB.post(`/account/cases/${submitted.id}/cancel`)).status).toBe(404);
    expect((await onB.post(`/account/cases/${submitted.id}/cancel`, { confirmed: 'on' })).status).toBe(404);
    expect((await onB.get(`/account/cases/${submitted.id}/cancel`)).status).toBe(404);
    expect((await other.get(`/account/cases/${submitted.id}/cancel`)).status).toBe(404);
    const audit = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT outcome FROM audit_events WHERE entity_id = $1 AND action = 'case.read' ORDER BY occurred_at`, [submitted.id]),
      );
    expect(audit.map((r: { outcome: string }) => r.outcome)).toContain('denied');
    const auditB = await app
      .get(TenantDatabase)
      .forTenant(b.id, (tx) => tx.query(`SELECT outcome FROM audit_events WHERE entity_id = $1`, [submitted.id]));
    expect(auditB.every((r: { outcome: string }) => r.outcome === 'denied')).toBe(true);
  });

  it('collects records from another provider with a signed authorization PDF', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const path = `/account/cases/${submitted.id}/record-requests`;
    await patient.get(`${path}/new`);
    const form = {
      provider_name: 'Springfield Imaging',
      provider_contact: 'Fax +1 217 555 0100',
      records_described: 'Chest CT 2025 and reports',
      date_from: '2025-01-01',
      date_to: '2025-12-31',
      patient_legal_name: 'Jordan Q. Patient',
      patient_birth_date: '1970-04-02',
      signed_name: 'Jordan Patient',
      agree: 'yes',
    };
    const mismatch = await patient.post(path, form);
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('Type your full legal name exactly as above to sign.');
    expect(mismatch.text).toContain('value="Springfield Imaging"');
    const badDate = await patient.post(path, { ...form, signed_name: form.patient_legal_name, date_to: 'last year' });
    expect(badDate.text).toContain('Enter a date like 2024-03-31.');
    const ok = await patient.post(path, { ...form, signed_name: form.patient_legal_name });
    expect(ok.status).toBe(303);
    const page = await patient.get(`/account/cases/${submitted.id}`);
    const link = /href="(\/account\/cases\/[^"]+\/authorization\.pdf)"/.exec(page.text)![1];
    const pdf = await patient.get(link);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="authorization.pdf"');
    const onB = new WebClient(app, b.host);
    await signInPatient(onB, peopleB.patient);
    expect((await onB.get(link)).status).toBe(404);
  });

  it('asks before cancelling, says what the card gets back in the patient’s language, and works without JavaScript', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const own = await patient.get(`/account/cases/${submitted.id}`);
    // The case page links to the question; it has no form that cancels in one tap.
    expect(own.text).toContain(`href="/account/cases/${submitted.id}/cancel"`);
    expect(own.text).not.toContain(`action="/account/cases/${submitted.id}/cancel"`);
    const question = await patient.get(`/account/cases/${submitted.id}/cancel`);
    expect(question.status).toBe(200);
    expect(question.text).toContain('Released from your card');
    expect(question.text).toMatch(/<dd>\$[0-9,]+\.00<\/dd>/);
    expect(question.text).toContain('Yes, cancel my request');
    // A post that does not say yes (a page from before this change, a double tap) is shown the question.
    const oneTap = await patient.post(`/account/cases/${submitted.id}/cancel`);
    expect(oneTap.location).toBe(`/account/cases/${submitted.id}/cancel`);
    expect((await readCase(app, a, submitted.id)).state).toBe('submitted');
    patient.cookies.set('lang', 'es');
    const spanish = await patient.get(`/account/cases/${submitted.id}/cancel`);
    patient.cookies.delete('lang');
    expect(spanish.text).toContain('Liberado de su tarjeta');
  });

  it('lets the patient cancel before acceptance, and not twice', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    await patient.get(`/account/cases/${submitted.id}/cancel`);
    const res = await patient.post(`/account/cases/${submitted.id}/cancel`, { confirmed: 'on' });
    expect(res.location).toBe(`/account/cases/${submitted.id}?cancelled=1`);
    expect((await patient.get(`/account/cases/${submitted.id}/cancel`)).text).toContain('can no longer be cancelled here');
    const page = await patient.get(`/account/cases/${submitted.id}`);
    expect(page.text).toContain('Cancelled');
    expect(page.text).not.toContain('You can cancel until');
    const again = await patient.post(`/account/cases/${submitted.id}/cancel`, { confirmed: 'on' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('A case that is cancelled cannot be moved by &quot;cancel&quot;');
  });

  it('never shows clinical content on the request list', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    expect((await patient.get('/account')).text).not.toContain('CANARY-DIAGNOSIS');
  });
});
