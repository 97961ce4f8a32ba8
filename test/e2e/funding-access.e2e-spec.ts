import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { Case, CasePayments } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { signUpPatient } from '../support/sign-up';
import { createTwoHospitals, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** Funding programs reached by a sponsor's code, or by the patient's word confirmed by a coordinator. */
describe('funding codes and eligibility reviews', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let admin: WebClient;
  let coordinator: WebClient;
  let programs: { employer: string; charity: string };

  beforeAll(async () => {
    app = await createTestApp(
      {},
      {
        imports: [IdentityModule, IntakeModule, PaymentsModule],
        providers: [
          { provide: AccountMail, useClass: RecordingAccountMail },
          { provide: CasePayments, useExisting: PaymentsService },
        ],
      },
    );
    db = app.get(TenantDatabase);
    ({ a, b } = await createTwoHospitals(app, {
      a: {
        funding_programs: [
          {
            slug: 'employer',
            name: 'Employer benefit',
            description: 'Half price for members.',
            covers_percent: 50,
            budget: '100000.00',
            access: 'code',
          },
          {
            slug: 'charity',
            name: 'Charity care',
            description: 'Pays it all.',
            covers_percent: 100,
            budget: '100000.00',
            access: 'eligibility',
            eligibility: 'Low income.',
            review: true,
          },
        ],
      } as never,
    }));
    peopleA = a.people;
    peopleB = b.people;
    const rows = await operatorQuery<{ slug: string; id: string }>(app, 'SELECT slug, id FROM funding_programs WHERE tenant_id = $1', [
      a.id,
    ]);
    programs = { employer: rows.find((r) => r.slug === 'employer')!.id, charity: rows.find((r) => r.slug === 'charity')!.id };
    admin = new WebClient(app, a.host);
    await signInStaff(admin, peopleA.admin);
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
  });

  afterAll(() => app.close());

  /** A new patient's draft of tenant A ready for the review step; returns the browser and the case id. */
  async function draftReadyToPay(): Promise<{ patient: WebClient; id: string }> {
    const patient = new WebClient(app, a.host);
    await signUpPatient(patient, app, a.id, { name: 'Pat', email: `p-${randomUUID().slice(0, 8)}@patients.example` });
    await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'US-NY' });
    await patient.get('/start/plan');
    const id = (await patient.post('/start/plan')).location!.split('/')[2];
    await patient.submit(`/start/${id}/details`, { questions: 'Should I have the operation?', diagnosis: 'Mitral regurgitation' });
    await patient.submit(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    await patient.get(`/start/${id}/review`);
    return { patient, id };
  }

  async function createCode(form: Record<string, string>): Promise<string> {
    await admin.get('/console/funding');
    const res = await admin.post('/console/funding/codes', { program: programs.employer, ...form });
    expect(res.status).toBe(200);
    return /<p class="secret"><strong>([^<]+)<\/strong>/.exec(res.text)![1];
  }

  it('creates a code shown once and stored only as a hash; a valid code halves the price, counted once per case', async () => {
    const code = await createCode({ label: 'Acme employees', max_uses: '2' });
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const stored = await operatorQuery<{ code_sha256: string; hint: string }>(
      app,
      'SELECT code_sha256, hint FROM funding_codes WHERE tenant_id = $1',
      [a.id],
    );
    expect(JSON.stringify(stored)).not.toContain(code);
    expect((await admin.get('/console/funding')).text).not.toContain(code);

    const { patient, id } = await draftReadyToPay();
    const wrong = await patient.post(`/start/${id}/review`, { funding: programs.employer, funding_code: 'NOT-A-REAL-CODE', accept: 'yes' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('This code is not valid for this program');
    expect((await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).quoteAcceptedAt).toBeNull();

    // Typed in lower case with spaces: the same code.
    const typed = code.toLowerCase().replaceAll('-', ' ');
    const paid = await patient.post(`/start/${id}/review`, { funding: programs.employer, funding_code: typed, accept: 'yes' });
    expect(paid.status).toBe(303);
    expect((await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).quote).toMatchObject({
      subtotal: 50000,
      total: 25000,
      funding: { amount: 25000 },
    });
    // Back from the checkout page and sent again: still one use.
    await patient.post(`/start/${id}/review`, { funding: programs.employer, funding_code: code, accept: 'yes' });
    expect(await operatorQuery(app, 'SELECT uses FROM funding_codes WHERE tenant_id = $1', [a.id])).toEqual([{ uses: 1 }]);
  });

  it('refuses a code past its uses, its date, or revoked', async () => {
    const once = await createCode({ label: 'One use', max_uses: '1' });
    const first = await draftReadyToPay();
    expect(
      (await first.patient.post(`/start/${first.id}/review`, { funding: programs.employer, funding_code: once, accept: 'yes' })).status,
    ).toBe(303);
    const second = await draftReadyToPay();
    expect(
      (await second.patient.post(`/start/${second.id}/review`, { funding: programs.employer, funding_code: once, accept: 'yes' })).status,
    ).toBe(400);

    const expired = await createCode({ label: 'Expired', code: 'OLDCODE2020', expires_on: '2020-12-31' });
    expect(
      (await second.patient.post(`/start/${second.id}/review`, { funding: programs.employer, funding_code: expired, accept: 'yes' }))
        .status,
    ).toBe(400);

    const revoked = await createCode({ label: 'Revoked', code: 'REVOKE-ME-1' });
    const [row] = await operatorQuery<{ id: string }>(app, `SELECT id FROM funding_codes WHERE tenant_id = $1 AND label = 'Revoked'`, [
      a.id,
    ]);
    await admin.get('/console/funding');
    expect(await admin.post(`/console/funding/codes/${row.id}/revoke`)).toMatchObject({ status: 303 });
    expect(
      (await second.patient.post(`/start/${second.id}/review`, { funding: programs.employer, funding_code: revoked, accept: 'yes' }))
        .status,
    ).toBe(400);
    // A duplicate code is refused with the field named.
    await admin.get('/console/funding');
    const dup = await admin.post('/console/funding/codes', { program: programs.employer, label: 'Again', code: 'revoke me 1' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('This code already exists.');
  });

  it('holds acceptance until a coordinator confirms the patient’s eligibility', async () => {
    const { patient, id } = await draftReadyToPay();
    const sent = await patient.post(`/start/${id}/review`, { funding: programs.charity, eligible: 'yes', accept: 'yes' });
    expect(sent.status).toBe(303);
    expect((await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).state).toBe('submitted');

    await coordinator.submit(`/console/cases/${id}`, { move: 'start_triage' }, `/console/cases/${id}/move`);
    const refused = await coordinator.post(`/console/cases/${id}/move`, { move: 'accept' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Confirm or reject the patient’s eligibility');
    expect((await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).state).toBe('triage');

    const queue = await coordinator.get('/console/funding/reviews');
    expect(queue.text).toContain(`/console/funding/reviews/${id}`);
    expect(queue.text).not.toContain('Mitral');
    expect(await coordinator.post(`/console/funding/reviews/${id}`, { decision: 'confirmed' })).toMatchObject({ status: 303 });
    await coordinator.get(`/console/cases/${id}`);
    expect(await coordinator.post(`/console/cases/${id}/move`, { move: 'accept' })).toMatchObject({ status: 303 });
    expect((await db.forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }))).state).toBe('accepted');
  });

  it('after a rejection, acceptance is refused and declining releases the fund’s reservation', async () => {
    const { patient, id } = await draftReadyToPay();
    await patient.post(`/start/${id}/review`, { funding: programs.charity, eligible: 'yes', accept: 'yes' });
    await coordinator.get('/console/funding/reviews');
    await coordinator.post(`/console/funding/reviews/${id}`, { decision: 'rejected' });
    await coordinator.submit(`/console/cases/${id}`, { move: 'start_triage' }, `/console/cases/${id}/move`);
    const refused = await coordinator.post(`/console/cases/${id}/move`, { move: 'accept' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('found not eligible');
    await coordinator.get(`/console/cases/${id}`);
    expect(
      await coordinator.post(`/console/cases/${id}/move`, { move: 'decline', reason: 'Not eligible for the charity fund' }),
    ).toMatchObject({ status: 303 });
    const [payment] = await operatorQuery<{ status: string }>(app, 'SELECT status FROM payments WHERE tenant_id = $1 AND case_id = $2', [
      a.id,
      id,
    ]);
    expect(payment.status).toBe('released');
    const ledger = await operatorQuery<{ kind: string }>(
      app,
      `SELECT l.kind FROM funding_ledger l JOIN payments p ON p.tenant_id = l.tenant_id AND p.id = l.payment_id WHERE p.case_id = $1 ORDER BY l.kind`,
      [id],
    );
    expect(ledger.map((l) => l.kind)).toEqual(['release', 'reserve']);
  });

  it('shows tenant B nothing of tenant A: reviews, codes and decisions answer 404', async () => {
    const { patient, id } = await draftReadyToPay();
    await patient.post(`/start/${id}/review`, { funding: programs.charity, eligible: 'yes', accept: 'yes' });
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    expect((await coordinatorB.get('/console/funding/reviews')).text).not.toContain(id);
    expect((await coordinatorB.post(`/console/funding/reviews/${id}`, { decision: 'confirmed' })).status).toBe(404);
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, peopleB.admin);
    const [code] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM funding_codes WHERE tenant_id = $1 LIMIT 1', [a.id]);
    await adminB.get('/console/funding');
    expect((await adminB.post(`/console/funding/codes/${code.id}/revoke`)).status).toBe(404);
    expect(await operatorQuery(app, `SELECT status FROM funding_claims WHERE case_id = $1`, [id])).toEqual([{ status: 'pending_review' }]);
    // A patient cannot review their own eligibility.
    const self = new WebClient(app, a.host);
    await signInPatient(self, peopleA.patient);
    expect((await self.get('/console/funding/reviews')).status).toBe(403);
  });
});
