import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase } from '../support/cases';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

describe('coordinator console', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let coordinator: WebClient;

  /** A New York patient's request, sent and paid: the physician is licensed there, so a direct opinion. */
  const submittedCase = () =>
    createTestCase(app, a, { state: 'submitted', details: { diagnosis: 'Stage II adenocarcinoma', questions: ['Is surgery needed?'] } });

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
  });

  afterAll(() => app.close());

  it('lists submitted cases in the queue and shows what triage needs', async () => {
    const c = await submittedCase();
    const queue = await coordinator.get('/console/cases');
    expect(queue.text).toContain(c.number);
    const page = await coordinator.get(`/console/cases/${c.id}`);
    expect(page.text).toContain('Stage II adenocarcinoma');
    expect(page.text).toContain('Is surgery needed?');
    expect(page.text).toContain('A physician in this specialty is licensed where the patient lives: a direct opinion is possible.');
    expect((await coordinator.get('/console/cases?jurisdiction=illinois')).status).toBe(400);
    expect((await coordinator.get('/console/cases?jurisdiction=US-TX')).text).not.toContain(c.number);
  });

  it('starts triage, asks for records with a reason the patient sees, and declines with a reason', async () => {
    const c = await submittedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    expect((await coordinator.post(`/console/cases/${c.id}/move`, { move: 'start_triage' })).status).toBe(303);
    await coordinator.get(`/console/cases/${c.id}`);
    const noReason = await coordinator.post(`/console/cases/${c.id}/move`, { move: 'request_records', reason: '' });
    expect(noReason.status).toBe(409);
    expect(noReason.text).toContain('a reason is required');
    await coordinator.post(`/console/cases/${c.id}/move`, { move: 'request_records', reason: 'Please upload the pathology report' });
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    expect((await patient.get(`/account/cases/${c.id}`)).text).toContain('More records needed');
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/move`, { move: 'decline', reason: 'Outside our scope' });
    expect((await coordinator.get(`/console/cases/${c.id}`)).text).toContain('declined');
  });

  it('overrides a route only with a reason, and keeps it in the history', async () => {
    const c = await submittedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    const missing = await coordinator.post(`/console/cases/${c.id}/route`, { route: 'educational', reason: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Say why the route is changed');
    await coordinator.post(`/console/cases/${c.id}/route`, { route: 'educational', reason: 'Patient moved to Mexico' });
    const page = await coordinator.get(`/console/cases/${c.id}`);
    expect(page.text).toContain('Overridden to <strong>educational</strong>: Patient moved to Mexico');
    expect(page.text).toContain('Route overridden');
  });

  it('hides cases from physicians not assigned to them, from patients, and from the other hospital', async () => {
    const c = await submittedCase();
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
    expect((await physician.get(`/console/cases/${c.id}`)).status).toBe(404);
    expect((await physician.get('/console/cases')).text).not.toContain(c.number);
    await physician.get('/console/cases');
    expect((await physician.post(`/console/cases/${c.id}/move`, { move: 'start_triage' })).status).toBe(403);
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    expect((await patient.get(`/console/cases/${c.id}`)).status).toBe(403);
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    expect((await coordinatorB.get(`/console/cases/${c.id}`)).status).toBe(404);
    expect((await coordinatorB.get('/console/cases')).text).not.toContain(c.number);
    await coordinatorB.get('/console/cases');
    expect((await coordinatorB.post(`/console/cases/${c.id}/move`, { move: 'decline', reason: 'x' })).status).toBe(404);
  });
});
