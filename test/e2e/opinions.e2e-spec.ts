import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { OpinionDelivery } from '@consilium/opinions';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase } from '../support/cases';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

const COMPLETE = {
  diagnosis_agreement: 'refined',
  treatment_changed: 'yes',
  diagnosis_note: 'Grade is 2, not 3.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  alternatives: 'Active surveillance is not advised.',
  clinical_trials: 'NCT00000000 may fit.',
  answer_0: 'Yes, after chemotherapy.',
  patient_summary: 'Your cancer is treatable; start with medicine, then surgery.',
};

describe('physician review and the opinion', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let physician: WebClient;

  /** Accepted by the hospital and assigned to the hospital's physician by a coordinator. */
  const assignedCase = () =>
    createTestCase(app, a, { state: 'assigned', details: { questions: ['Do I need surgery?'], diagnosis: 'Breast cancer, grade 3' } });

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
  });

  afterAll(() => app.close());

  it('goes from assigned to delivered: begin, draft, sign with the second factor again, read by the patient', async () => {
    const c = await assignedCase();
    expect((await physician.get('/console/reviews')).text).toContain(c.number);
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/begin`);
    await physician.get(`/console/reviews/${c.id}`);
    const partial = await physician.post(`/console/reviews/${c.id}/sign`, {
      diagnosis_agreement: 'refined',
      recommendations: 'Chemo first.',
      code: '123456',
    });
    expect(partial.status).toBe(400);
    expect(partial.text).toContain('Complete this before signing.');
    expect(partial.text).toContain('Chemo first.');
    const wrongCode = await physician.post(`/console/reviews/${c.id}/sign`, { ...COMPLETE, code: '000000' });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.text).toContain('Signing needs the current code');
    const signed = await physician.post(`/console/reviews/${c.id}/sign`, {
      ...COMPLETE,
      code: await freshCode(peopleA.physician.email, undefined, app),
    });
    expect(signed.location).toBe(`/console/reviews/${c.id}?signed=1`);

    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const casePage = await patient.get(`/account/cases/${c.id}`);
    expect(casePage.text).toContain('Opinion ready');
    const opinion = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(opinion.status).toBe(200);
    expect(opinion.text).toContain('Your cancer is treatable');
    expect(opinion.text).toContain('Yes, after chemotherapy.');
    const pdf = await patient.get(`/account/cases/${c.id}/opinion/letter.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain('attachment');
  });

  it('keeps every signed version when the opinion is amended', async () => {
    const c = await assignedCase();
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/begin`);
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, { ...COMPLETE, code: await freshCode(peopleA.physician.email, undefined, app) });
    await physician.get(`/console/reviews/${c.id}`);
    expect((await physician.post(`/console/reviews/${c.id}/amend`, { amendment_reason: '' })).status).toBe(400);
    await physician.post(`/console/reviews/${c.id}/amend`, { amendment_reason: 'New pathology slides arrived.' });
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, {
      ...COMPLETE,
      diagnosis_agreement: 'changed',
      code: await freshCode(peopleA.physician.email, undefined, app),
    });
    const versions = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query('SELECT version, status, diagnosis_agreement FROM opinions WHERE case_id = $1 ORDER BY version', [c.id]),
      );
    expect(versions).toEqual([
      { version: 1, status: 'signed', diagnosis_agreement: 'refined' },
      { version: 2, status: 'signed', diagnosis_agreement: 'changed' },
    ]);
    await expect(
      app
        .get(TenantDatabase)
        .forTenant(a.id, (tx) => tx.query(`UPDATE opinions SET recommendations = 'x' WHERE case_id = $1 AND version = 1`, [c.id])),
    ).rejects.toThrow(/a signed opinion cannot be changed/);
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).text).toContain('New pathology slides arrived.');
  });

  it('delivers once even if delivery runs twice', async () => {
    const c = await assignedCase();
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/begin`);
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, { ...COMPLETE, code: await freshCode(peopleA.physician.email, undefined, app) });
    const [opinion] = await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.query('SELECT id FROM opinions WHERE case_id = $1', [c.id]));
    const tenant = (await app.get(TenantResolver).resolve(a.host)) as ResolvedTenant;
    expect(await app.get(OpinionDelivery).deliver(tenant, opinion.id)).toEqual({ delivered: false });
    const counts = await app.get(TenantDatabase).forTenant(a.id, (tx) =>
      tx.query(
        `SELECT (SELECT count(*)::int FROM opinion_letters WHERE opinion_id = $1) AS letters,
                       (SELECT count(*)::int FROM case_events WHERE case_id = $2 AND type = 'deliver') AS delivers`,
        [opinion.id, c.id],
      ),
    );
    expect(counts).toEqual([{ letters: 1, delivers: 1 }]);
  });

  it('is the assigned physician’s alone, and invisible to the other hospital', async () => {
    const c = await assignedCase();
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    expect((await coordinator.get(`/console/reviews/${c.id}`)).status).toBe(403);
    const physicianB = new WebClient(app, b.host);
    await signInStaff(physicianB, peopleB.physician);
    expect((await physicianB.get(`/console/reviews/${c.id}`)).status).toBe(404);
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    // Before delivery the opinion does not exist for the patient.
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
  });
});
