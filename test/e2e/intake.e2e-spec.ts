import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { Case, CasePayments } from '@consilium/cases';
import { TenantDatabase, Translator } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { consentDocument, IntakeModule, validNpi } from '@consilium/intake';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { signUpPatient } from '../support/sign-up';
import { createTestHospital, createTwoHospitals, TestHospital, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** The intake wizard at /start, as a patient's browser walks it: no JavaScript, server-side validation. */
describe('intake wizard', () => {
  let app: NestFastifyApplication;
  let db: TenantDatabase;
  let a: TestHospital;
  let b: TestHospital;
  let p2p: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;

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
        locales: ['en', 'es'],
        funding_programs: [
          {
            slug: 'charity',
            name: 'Charity care',
            description: 'Pays it all.',
            covers_percent: 100,
            budget: '100000.00',
            access: 'eligibility',
            eligibility: 'Low household income.',
          },
        ],
      } as never,
    }));
    p2p = await createTestHospital(app, {
      licensure: { home_state: 'US-NY', unlicensed_states: 'physician_to_physician', international: 'educational' },
    });
    peopleA = a.people;
    peopleB = b.people;
  });

  afterAll(() => app.close());

  const caseOf = (tenant: TestTenant, id: string) => db.forTenant(tenant.id, (tx) => tx.findOneByOrFail(Case, { id }));

  /** Step one and the plan page, then a draft as the signed-in patient; returns the draft's id. */
  async function startDraft(
    client: WebClient,
    tenant: TestTenant,
    jurisdiction: string,
    extra: Record<string, string | string[]> = {},
  ): Promise<string> {
    const chosen = await client.submit('/start', { offering: tenant.offeringSlug, jurisdiction, ...extra });
    expect(chosen).toMatchObject({ status: 303, location: '/start/plan' });
    await client.get('/start/plan');
    const started = await client.post('/start/plan');
    expect(started.status).toBe(303);
    const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec(started.location ?? '')?.[1];
    expect(id).toBeDefined();
    return id!;
  }

  async function answerDetails(client: WebClient, id: string): Promise<string> {
    const res = await client.submit(`/start/${id}/details`, {
      questions: ['Is surgery really needed now?', ''],
      diagnosis: 'Aortic stenosis',
      proposed_treatment: 'Valve replacement',
    });
    expect(res.status).toBe(303);
    return res.location!;
  }

  it('asks what and where before any account, keeps answers through sign-up, and sends a paid request', async () => {
    const browser = new WebClient(app, a.host);
    const first = await browser.get(`/start?offering=${a.offeringSlug}`);
    expect(first.status).toBe(200);
    expect(first.text).toContain(`value="${a.offeringSlug}" checked`);
    expect(first.text).toContain('Imaging re-read');

    // Nothing chosen for where: the page comes back with the field named and the offering still checked.
    const missing = await browser.post('/start', { offering: a.offeringSlug, add_ons: 'imaging-reread', jurisdiction: '' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Choose the state or country where you live.');
    expect(missing.text).toContain(`value="${a.offeringSlug}" checked`);
    expect(missing.text).toMatch(/value="imaging-reread" checked/);

    const chosen = await browser.post('/start', { offering: a.offeringSlug, add_ons: 'imaging-reread', jurisdiction: 'US-NY' });
    expect(chosen).toMatchObject({ status: 303, location: '/start/plan' });
    // The cookie is sealed: neither the offering nor the place is readable in it.
    expect(browser.cookies.get('cs_intake')).not.toContain('US-NY');

    const plan = await browser.get('/start/plan');
    expect(plan.status).toBe(200);
    expect(plan.text).toContain('licensed in New York reviews your case and gives you a direct second opinion');
    expect(plan.text).toContain('$500.00');
    expect(plan.text).toContain('$150.00');
    expect(plan.text).toContain('$650.00');
    expect(plan.text).toContain('/sign-up?next=');

    // A new patient signs up mid-flow and comes back to the same plan.
    const email = `new-${randomUUID().slice(0, 8)}@patients.example`;
    // Sign-up asks them to open their email; the link confirms the address and returns them to the plan.
    const signedUp = await signUpPatient(browser, app, a.id, { name: 'Ana Patient', email, next: '/start/plan' });
    expect(signedUp).toMatchObject({ status: 303, location: '/start/plan' });
    const again = await browser.get('/start/plan');
    expect(again.text).toContain('$650.00');
    const started = await browser.post('/start/plan');
    const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec(started.location ?? '')![1];
    expect(browser.cookies.has('cs_intake')).toBe(false);

    const draft = await caseOf(a, id);
    expect(draft).toMatchObject({ state: 'draft', route: 'direct', jurisdiction: 'US-NY', jurisdictionClass: 'in_state', questions: [] });
    expect(draft.addOnIds).toHaveLength(1);
    expect(draft.number).toMatch(/^[A-Z]{5}-\d{4}-\d{6}$/);

    // Details: a missing diagnosis names the field and keeps the questions and treatment typed.
    await browser.get(`/start/${id}/details`);
    const bad = await browser.post(`/start/${id}/details`, {
      questions: ['Is surgery really needed now?'],
      diagnosis: '',
      proposed_treatment: 'Valve replacement',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Tell us the diagnosis you were given');
    expect(bad.text).toContain('Is surgery really needed now?');
    expect(bad.text).toContain('Valve replacement');
    expect(await answerDetails(browser, id)).toBe(`/start/${id}/consents`);

    // The review before consents says what is missing, and will not send.
    const early = await browser.get(`/start/${id}/review`);
    expect(early.text).toContain(`href="/start/${id}/consents"`);
    const refused = await browser.post(`/start/${id}/review`, { accept: 'yes', funding: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Please read and agree to the consents first.');
    expect((await caseOf(a, id)).state).toBe('draft');

    // Consents: one unticked is named; both store the version and the hash of the words shown.
    const consents = await browser.get(`/start/${id}/consents`);
    expect(consents.text).toContain('Authorization to use your records');
    expect(consents.text).not.toContain('An educational opinion');
    const half = await browser.post(`/start/${id}/consents`, { consent_terms: 'yes' });
    expect(half.status).toBe(400);
    expect(half.text).toMatch(/id="f-consent_terms"[^>]*checked/);
    const agreed = await browser.post(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    expect(agreed).toMatchObject({ status: 303, location: `/start/${id}/review` });
    const stored = await operatorQuery<{ kind: string; version: string; text_sha256: string }>(
      app,
      'SELECT kind, version, text_sha256 FROM case_consents WHERE case_id = $1 ORDER BY kind',
      [id],
    );
    const terms = consentDocument('terms', 'en', { hospital: a.name, jurisdiction: 'US-NY' }, app.get(Translator));
    expect(stored).toEqual([
      {
        kind: 'records_authorization',
        version: consentDocument('records_authorization', 'en', { hospital: a.name, jurisdiction: 'US-NY' }, app.get(Translator)).version,
        text_sha256: consentDocument('records_authorization', 'en', { hospital: a.name, jurisdiction: 'US-NY' }, app.get(Translator))
          .sha256,
      },
      { kind: 'terms', version: terms.version, text_sha256: terms.sha256 },
    ]);

    // The full quote, then the price must be accepted explicitly.
    const review = await browser.get(`/start/${id}/review`);
    expect(review.text).toContain('Aortic stenosis');
    expect(review.text).toContain('$650.00');
    expect(review.text).toContain('Charity care');
    const unaccepted = await browser.post(`/start/${id}/review`, { funding: '' });
    expect(unaccepted.status).toBe(400);
    expect(unaccepted.text).toContain('Confirm that you accept the price to continue.');

    const sent = await browser.post(`/start/${id}/review`, { funding: '', accept: 'yes' });
    expect(sent.status).toBe(303);
    const checkout = new URL(sent.location!);
    expect(checkout.pathname).toMatch(/^\/pay\/demo\//);
    const priced = await caseOf(a, id);
    expect(priced.quote).toMatchObject({ currency: 'USD', subtotal: 65000, total: 65000 });
    expect(priced.quoteAcceptedAt).not.toBeNull();

    await browser.get(checkout.pathname);
    const authorized = await browser.post(`${checkout.pathname}/authorize`);
    expect(authorized.status).toBe(303);
    expect((await caseOf(a, id)).state).toBe('submitted');
    const events = await operatorQuery<{ type: string }>(app, 'SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [id]);
    // The patient is told the request arrived (and by when it will be triaged): a line on their timeline.
    expect(events.map((e) => e.type)).toEqual(['draft_started', 'consents_given', 'quote_accepted', 'submit', 'patient_notified']);
    // No clinical words in the events.
    expect(JSON.stringify(await operatorQuery(app, 'SELECT data FROM case_events WHERE case_id = $1', [id]))).not.toContain('Aortic');

    // Sent: the wizard's pages now lead to the portal.
    const after = await browser.get(`/start/${id}/review`);
    expect(after).toMatchObject({ status: 303, location: `/account/cases/${id}` });
  });

  it('prices another state with its rule and asks for the educational disclaimer', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const id = await startDraft(patient, a, 'US-CA');
    const c = await caseOf(a, id);
    expect(c).toMatchObject({ route: 'educational', jurisdictionClass: 'out_of_state' });
    await answerDetails(patient, id);
    const consents = await patient.get(`/start/${id}/consents`);
    expect(consents.text).toContain('An educational opinion');
    const missing = await patient.post(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    expect(missing.status).toBe(400);
    await patient.post(`/start/${id}/consents`, {
      consent_terms: 'yes',
      consent_records_authorization: 'yes',
      consent_educational_disclaimer: 'yes',
    });
    const review = await patient.get(`/start/${id}/review`);
    expect(review.text).toContain('Other US states');
    expect(review.text).toContain('$550.00');
  });

  it('covers the whole price with a funding program after the patient confirms eligibility: submitted at once', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const id = await startDraft(patient, a, 'US-NY');
    await answerDetails(patient, id);
    await patient.submit(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    const review = await patient.get(`/start/${id}/review`);
    const programId = /id="funding-([0-9a-f-]{36})"/.exec(review.text)![1];
    const updated = await patient.post(`/start/${id}/review`, { funding: programId, go: 'update' });
    expect(updated.status).toBe(200);
    expect(updated.text).toContain('Paid by Charity care');
    const notEligible = await patient.post(`/start/${id}/review`, { funding: programId, accept: 'yes' });
    expect(notEligible.status).toBe(400);
    expect(notEligible.text).toContain('Confirm that you meet the program’s conditions');
    const sent = await patient.post(`/start/${id}/review`, { funding: programId, eligible: 'yes', accept: 'yes' });
    expect(sent.status).toBe(303);
    expect(sent.location).toMatch(/\/account\/receipts\//);
    const c = await caseOf(a, id);
    expect(c.state).toBe('submitted');
    expect(c.quote).toMatchObject({ subtotal: 50000, total: 0, funding: { programId, amount: 50000 } });
  });

  it('needs the local physician on a physician-to-physician route, with a checked NPI', async () => {
    const { people } = p2p;
    const patient = new WebClient(app, p2p.host);
    await signInPatient(patient, people.patient);
    const id = await startDraft(patient, p2p, 'US-TX');
    expect((await caseOf(p2p, id)).route).toBe('physician_to_physician');
    expect(await answerDetails(patient, id)).toBe(`/start/${id}/physician`);
    await patient.get(`/start/${id}/physician`);
    const bad = await patient.post(`/start/${id}/physician`, { name: 'Dr. Local', email: 'not-an-email', npi: '1234567890' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter your physician’s email address');
    expect(bad.text).toContain('An NPI is 10 digits');
    expect(bad.text).toContain('Dr. Local');
    const good = await patient.post(`/start/${id}/physician`, { name: 'Dr. Local', email: 'Local@Clinic.example', npi: '1234567893' });
    expect(good).toMatchObject({ status: 303, location: `/start/${id}/consents` });
    expect((await caseOf(p2p, id)).localPhysician).toEqual({ name: 'Dr. Local', email: 'local@clinic.example', npi: '1234567893' });
    const consents = await patient.get(`/start/${id}/consents`);
    expect(consents.text).toContain('An opinion through your own physician');
  });

  it('says plainly when the hospital cannot help, and starts nothing', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    await patient.submit('/start', { offering: a.offeringSlug, jurisdiction: 'other', country: 'MX' });
    const plan = await patient.get('/start/plan');
    expect(plan.text).toContain('does not give opinions to patients in Mexico');
    expect(plan.text).not.toContain('action="/start/plan"');
    const before = await operatorQuery(app, 'SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1', [a.id]);
    const tried = await patient.post('/start/plan');
    expect(tried).toMatchObject({ status: 303, location: '/start/plan' });
    expect(await operatorQuery(app, 'SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1', [a.id])).toEqual(before);
  });

  it('asks for the country when the patient lives abroad, offers only current countries, and ignores a tampered cookie', async () => {
    const browser = new WebClient(app, a.host);
    const page = await browser.get('/start');
    expect(page.text).toContain('<option value="MX">Mexico</option>');
    // Codes ISO withdrew (the Soviet Union, Yugoslavia) or reserved for other uses are not places to live.
    for (const retired of ['SU', 'YU', 'DD', 'UK', 'AN', 'EA']) expect(page.text).not.toContain(`<option value="${retired}">`);
    const noCountry = await browser.post('/start', { offering: a.offeringSlug, jurisdiction: 'other', country: '' });
    expect(noCountry.status).toBe(400);
    expect(noCountry.text).toContain('Choose the country where you live.');
    browser.cookies.set('cs_intake', 'forged');
    expect(await browser.get('/start/plan')).toMatchObject({ status: 303, location: '/start' });
  });

  it('speaks Spanish, and stores the hash of the Spanish text agreed to', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const page = await patient.get('/start?lang=es');
    expect(page.text).toContain('Solicitar una segunda opinión');
    const id = await startDraft(patient, a, 'US-NY');
    await answerDetails(patient, id);
    const consents = await patient.get(`/start/${id}/consents`);
    expect(consents.text).toContain('Condiciones del servicio de segunda opinión');
    await patient.post(`/start/${id}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    const [row] = await operatorQuery<{ text_sha256: string }>(
      app,
      `SELECT text_sha256 FROM case_consents WHERE case_id = $1 AND kind = 'terms'`,
      [id],
    );
    expect(row.text_sha256).toBe(consentDocument('terms', 'es', { hospital: a.name, jurisdiction: 'US-NY' }, app.get(Translator)).sha256);
  });

  it('links the visitor’s campaign visits to the new case', async () => {
    const visitor = randomUUID();
    await app
      .get(OperatorDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(
          `INSERT INTO visits (tenant_id, visitor_id, landing_path, locale, utm_source, utm_campaign) VALUES ($1, $2, '/', 'en', 'newsletter', 'heart-month')`,
          [a.id, visitor],
        ),
      );
    const patient = new WebClient(app, a.host);
    patient.cookies.set('cs_vid', visitor);
    await signInPatient(patient, peopleA.patient);
    const id = await startDraft(patient, a, 'US-NY');
    expect((await caseOf(a, id)).visitorId).toBe(visitor);
    expect(await operatorQuery(app, 'SELECT utm_campaign FROM visits WHERE case_id = $1', [id])).toEqual([{ utm_campaign: 'heart-month' }]);
  });

  it('shows a draft to nobody else: another patient, tenant B’s patient, or anyone signed out (404 or sign-in)', async () => {
    const owner = new WebClient(app, a.host);
    await signInPatient(owner, peopleA.patient);
    const id = await startDraft(owner, a, 'US-NY');

    // Another patient of the same hospital, signed up on its site.
    const stranger = new WebClient(app, a.host);
    await signUpPatient(stranger, app, a.id, { name: 'Other Patient', email: `other-${randomUUID().slice(0, 8)}@patients.example` });
    for (const step of ['details', 'consents', 'review', 'choice']) expect((await stranger.get(`/start/${id}/${step}`)).status).toBe(404);
    await stranger.get('/start');
    expect((await stranger.post(`/start/${id}/details`, { questions: 'x', diagnosis: 'y' })).status).toBe(404);

    const tenantB = new WebClient(app, b.host);
    await signInPatient(tenantB, peopleB.patient);
    expect((await tenantB.get(`/start/${id}/details`)).status).toBe(404);
    expect((await tenantB.get(`/start/${id}`)).status).toBe(404);

    const signedOut = new WebClient(app, a.host);
    const redirected = await signedOut.get(`/start/${id}/details`);
    expect(redirected.status).toBe(303);
    expect(redirected.location).toMatch(/^\/sign-in\?next=/);
    expect((await caseOf(a, id)).questions).toEqual([]);
  });

  it('resumes a draft from the portal at the first step not done', async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, peopleA.patient);
    const id = await startDraft(patient, a, 'US-NY');
    const portal = await patient.get('/account');
    expect(portal.text).toContain(`href="/start/${id}"`);
    expect(await patient.get(`/start/${id}`)).toMatchObject({ status: 303, location: `/start/${id}/details` });
    await answerDetails(patient, id);
    expect(await patient.get(`/start/${id}`)).toMatchObject({ status: 303, location: `/start/${id}/consents` });
  });

  it('checks NPIs with the Luhn digit over the 80840 prefix', () => {
    expect(validNpi('1234567893')).toBe(true);
    expect(validNpi('1234567890')).toBe(false);
    expect(validNpi('123456789')).toBe(false);
  });
});
