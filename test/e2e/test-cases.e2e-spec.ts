import { CASE_STATES } from '@consilium/cases';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { advanceTestCase, createTestCase, readCase, TestCaseState } from '../support/cases';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** The test factory makes each state through the product's own services, and nothing another hospital can see. */
describe('createTestCase', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;

  beforeAll(async () => {
    app = await createTestApp({}, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app));
  });

  afterAll(() => app.close());

  const reachable: TestCaseState[] = [...CASE_STATES];

  it.each(reachable)('makes a %s case, with the history the pipeline writes', async (state) => {
    const made = await createTestCase(app, a, { state });
    const stored = await readCase(app, a, made.id);
    expect({ state: stored.state, number: stored.number }).toEqual({ state, number: made.number });
    if (state !== 'draft') expect(stored.paymentAuthorizedAt).toBeInstanceOf(Date);
    if (['delivered', 'follow_up', 'closed'].includes(state)) expect(stored.deliveredAt).toBeInstanceOf(Date);
  });

  it('takes a case a suite already has on along the pipeline, forward only', async () => {
    const sent = await createTestCase(app, a, { state: 'submitted' });
    const reviewing = await advanceTestCase(app, a, sent, 'in_review');
    expect((await readCase(app, a, sent.id)).state).toBe('in_review');
    await expect(advanceTestCase(app, a, reviewing, 'triage')).rejects.toThrow(/cannot go back/);
  });

  it("shows another hospital's patient nothing of it (404)", async () => {
    const made = await createTestCase(app, a, { state: 'delivered' });
    const other = new WebClient(app, b.host);
    await signInPatient(other, b.people.patient);
    expect((await other.get(`/account/cases/${made.id}`)).status).toBe(404);
    const own = new WebClient(app, a.host);
    await signInPatient(own, a.people.patient);
    expect((await own.get(`/account/cases/${made.id}`)).status).toBe(200);
  });
});
