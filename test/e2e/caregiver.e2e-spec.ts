import { ageIn } from '@consilium/cases';
import { TenantDatabase, todayIn, Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { consentDocument } from '@consilium/intake';
import { EmailRenderer } from '@consilium/notifications';
import { TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { advanceTestCase, createTestCase } from '../support/cases';
import { expectNoLeaks } from '../support/leak-detector';
import { letterText } from '../support/pdf-text';
import { operatorQuery } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signUpPatient } from '../support/sign-up';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** The child's name: PHI, so a canary no email, event or log line may carry. */
const CHILD = `Mia Canary-${randomUUID().slice(0, 8)}`;

/** A date of birth that makes someone `years` old on the hospital's today (a day past the birthday). */
function bornYearsAgo(years: number, timeZone: string): string {
  const [y, m, d] = todayIn(timeZone).split('-').map(Number);
  const day = new Date(Date.UTC(y - years, m - 1, d - 1));
  return day.toISOString().slice(0, 10);
}

/**
 * "Who is this request for?": a parent asks for a child through the wizard (no JavaScript), the proxy consent is
 * stored with its version and hash, the physician's and coordinator's page shows the child's age, sex and language,
 * the parent keeps the details up to date, and nobody else (another family, another hospital) sees the case.
 */
describe('a request made for someone else', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let parent: WebClient;
  let caseId: string;
  let birthDate: string;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'] } }));
    parent = new WebClient(app, a.host);
    await signInPatient(parent, a.people.patient);
  });

  afterAll(() => app.close());

  const timeZone = async () => (await app.get(TenantResolver).byId(a.id))!.timeZone;

  it('refuses what cannot be true beside each field, in the reader’s language, keeping what was typed', async () => {
    const id = await startDraft(parent, a);
    await parent.get(`/start/${id}/details`);
    const base = { questions: ['Does she need the operation?'], diagnosis: 'Ventricular septal defect' };
    const impossible = await parent.post(`/start/${id}/details`, {
      ...base,
      for_whom: 'child',
      patient_name: CHILD,
      relationship: 'parent',
      birth_date: '2019-02-30',
      sex_at_birth: 'female',
    });
    expect(impossible.status).toBe(400);
    expect(impossible.text).toContain('Enter a real date of birth, like 2015-03-31.');
    expect(impossible.text).toContain('Please read and agree: we cannot take a request for someone else without it.');
    expect(impossible.text).toContain(`value="${CHILD}"`);
    expect(impossible.text).toContain('value="2019-02-30"');
    expect(impossible.text).toContain('Ventricular septal defect');

    // A "child" born 30 years ago, and no relationship: each named; the same refusal in Spanish and French.
    const adult = {
      ...base,
      for_whom: 'child',
      patient_name: CHILD,
      birth_date: bornYearsAgo(30, await timeZone()),
      proxy_guardian: 'yes',
    };
    const grown = await parent.post(`/start/${id}/details`, adult);
    expect(grown.status).toBe(400);
    expect(grown.text).toContain('This date makes the patient 18 or older');
    expect(grown.text).toContain('Choose how you are related to the patient.');
    const translator = app.get(Translator);
    for (const locale of ['es', 'fr']) {
      const page = await parent.post(`/start/${id}/details?lang=${locale}`, adult);
      expect(page.status).toBe(400);
      expect(page.text).toContain(translator.t('intake.subject.notAMinor', locale));
      expectNoLeaks(page.text, { locale, translator, allow: [a.name, CHILD, 'Ventricular septal defect', 'Does she need the operation?'] });
    }
    // Back to English (the language chosen sticks to the visitor).
    expect((await parent.get(`/start/${id}/details?lang=en`)).text).toContain('Who is this request for?');
    // An adult cared for must be one.
    const minor = await parent.post(`/start/${id}/details`, {
      ...base,
      for_whom: 'adult',
      patient_name: CHILD,
      relationship: 'adult_child',
      birth_date: bornYearsAgo(10, await timeZone()),
      sex_at_birth: 'female',
      proxy_authorization: 'yes',
    });
    expect(minor.status).toBe(400);
    expect(minor.text).toContain('This date makes the patient younger than 18');
    // Nothing was saved by a refused form.
    expect(await operatorQuery(app, 'SELECT 1 FROM case_subjects WHERE case_id = $1', [id])).toEqual([]);
  });

  it('lets a parent request for a child: proxy consent stored with its version and hash, paid with the demo card', async () => {
    caseId = await startDraft(parent, a);
    birthDate = bornYearsAgo(8, await timeZone());
    const saved = await parent.post(`/start/${caseId}/details`, {
      questions: ['Does she need the operation?'],
      diagnosis: 'Ventricular septal defect',
      for_whom: 'child',
      patient_name: CHILD,
      relationship: 'parent',
      birth_date: birthDate,
      sex_at_birth: 'female',
      phone: '+1 312 555 0100',
      preferred_language: 'es',
      proxy_guardian: 'yes',
    });
    expect(saved).toMatchObject({ status: 303, location: `/start/${caseId}/consents` });
    const proxy = consentDocument('proxy_guardian', 'en', { hospital: a.name, jurisdiction: 'US-NY' }, app.get(Translator));
    expect(
      await operatorQuery(
        app,
        `SELECT kind, version, text_sha256, account_id FROM case_consents WHERE case_id = $1 AND kind LIKE 'proxy%'`,
        [caseId],
      ),
    ).toEqual([{ kind: 'proxy_guardian', version: proxy.version, text_sha256: proxy.sha256, account_id: a.people.patient.id }]);
    // The details page shows what was saved when the parent comes back to it.
    const again = await parent.get(`/start/${caseId}/details`);
    expect(again.text).toMatch(/id="f-for_whom-child"[^>]*checked/);
    expect(again.text).toContain(`value="${birthDate}"`);

    await parent.submit(`/start/${caseId}/consents`, { consent_terms: 'yes', consent_records_authorization: 'yes' });
    await parent.get(`/start/${caseId}/review`);
    const sent = await parent.post(`/start/${caseId}/review`, { funding: '', accept: 'yes' });
    const checkout = new URL(sent.location!).pathname;
    await parent.get(checkout);
    expect((await parent.post(`${checkout}/authorize`)).status).toBe(303);
    const [row] = await operatorQuery<{ state: string }>(app, 'SELECT state FROM cases WHERE id = $1', [caseId]);
    expect(row.state).toBe('submitted');

    // The child's name is in no event and no email of the case, rendered in any language.
    expect(JSON.stringify(await operatorQuery(app, 'SELECT data FROM case_events WHERE case_id = $1', [caseId]))).not.toContain('Canary');
    const mail = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ template: string; locale: string; data: unknown }[]> =>
        tx.query(`SELECT template, locale, data FROM outbound_emails WHERE data->>'caseId' = $1`, [caseId]),
      );
    expect(mail.length).toBeGreaterThan(0);
    const tenant = (await app.get(TenantResolver).byId(a.id))!;
    for (const m of mail)
      for (const locale of ['en', 'es', 'fr']) {
        const email = app.get(EmailRenderer).render(tenant, m.template, locale, m.data);
        expect(`${email.subject}\n${email.html}\n${email.text}`).not.toContain('Canary');
      }
  });

  it('shows the coordinator and the physician the child’s age (in the hospital’s time zone), sex and language', async () => {
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    const page = await coordinator.get(`/console/cases/${caseId}`);
    expect(page.status).toBe(200);
    const age = ageIn(birthDate, await timeZone());
    expect(age).toBe(8);
    expect(page.text).toMatch(/id="subject-age">8 years/);
    expect(page.text).toMatch(/id="subject-sex">Female/);
    expect(page.text).toMatch(/id="subject-language">Spanish/);
    expect(page.text).toContain(`id="subject-name">${CHILD}`);
    expect(page.text).toMatch(/id="subject-requester">[\s\S]*\(parent\)/);
    const es = await coordinator.get(`/console/cases/${caseId}?lang=es`);
    expect(es.text).toMatch(/id="subject-age">8 años/);
    expect(es.text).toMatch(/id="subject-sex">Femenino/);
  });

  it('lets the parent correct the details later, refusing a bad phone beside the field', async () => {
    const form = await parent.get(`/account/cases/${caseId}/patient`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`value="${CHILD}"`);
    const fields = {
      for_whom: 'child',
      patient_name: CHILD,
      relationship: 'legal_guardian',
      birth_date: birthDate,
      sex_at_birth: 'female',
      preferred_language: 'fr',
      proxy_guardian: 'yes',
    };
    const bad = await parent.post(`/account/cases/${caseId}/patient`, { ...fields, phone: 'call me maybe' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a phone number with digits, like +1 312 555 0100.');
    expect(bad.text).toContain('value="call me maybe"');
    const ok = await parent.post(`/account/cases/${caseId}/patient`, { ...fields, phone: '+1 312 555 0199' });
    expect(ok).toMatchObject({ status: 303, location: `/account/cases/${caseId}?patient=saved#patient` });
    const portal = await parent.get(`/account/cases/${caseId}?patient=saved`);
    expect(portal.text).toContain('The patient’s details are saved.');
    expect(portal.text).toContain(`id="patient-name">${CHILD}`);
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    const page = await coordinator.get(`/console/cases/${caseId}`);
    expect(page.text).toContain('+1 312 555 0199');
    expect(page.text).toMatch(/id="subject-language">French/);
    expect(page.text).toContain('(legal guardian)');
  });

  it('addresses the opinion letter to the child, requested by the parent', async () => {
    await advanceTestCase(app, a, { id: caseId, number: '', state: 'submitted' }, 'delivered');
    const [row] = await operatorQuery<{ pdf: Buffer }>(
      app,
      `SELECT l.pdf FROM opinion_letters l JOIN opinions o ON o.tenant_id = l.tenant_id AND o.id = l.opinion_id WHERE o.case_id = $1`,
      [caseId],
    );
    const letter = letterText(row.pdf);
    const [parentAccount] = await operatorQuery<{ name: string }>(app, 'SELECT name FROM accounts WHERE id = $1', [a.people.patient.id]);
    expect(letter).toContain(`Patient\n${CHILD}`);
    expect(letter).toContain(`Requested by\n${parentAccount.name} (legal guardian)`);
    // The emails of the whole road still carry no name of the child.
    const mail = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ template: string; data: unknown }[]> =>
        tx.query(`SELECT template, data FROM outbound_emails WHERE data->>'caseId' = $1`, [caseId]),
      );
    const tenant = (await app.get(TenantResolver).byId(a.id))!;
    expect(mail.map((m) => m.template)).toContain('opinion-ready');
    // The physician who wrote it read the same facts on their workspace.
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const workspace = await physician.get(`/console/reviews/${caseId}`);
    expect(workspace.text).toMatch(/id="subject-age">8 years/);
    expect(workspace.text).toMatch(/id="subject-sex">Female/);
    expect(workspace.text).toContain(`id="subject-name">${CHILD}`);
    for (const m of mail) {
      const email = app.get(EmailRenderer).render(tenant, m.template, 'en', m.data);
      expect(`${email.subject}\n${email.html}\n${email.text}`).not.toContain('Canary');
    }
  });

  it('never shows the child’s case to another family, and another hospital answers 404', async () => {
    const other = new WebClient(app, a.host);
    await signUpPatient(other, app, a.id, { name: 'Other Family', email: `other-${randomUUID().slice(0, 8)}@patients.example` });
    const [{ number }] = await operatorQuery<{ number: string }>(app, 'SELECT number FROM cases WHERE id = $1', [caseId]);
    expect((await other.get('/account')).text).not.toContain(number);
    expect((await other.get(`/account/cases/${caseId}`)).status).toBe(404);
    expect((await other.get(`/account/cases/${caseId}/patient`)).status).toBe(404);
    await other.get('/account');
    expect((await other.post(`/account/cases/${caseId}/patient`, { for_whom: 'self' })).status).toBe(404);

    const elsewhere = new WebClient(app, b.host);
    await signInStaff(elsewhere, b.people.coordinator);
    expect((await elsewhere.get(`/console/cases/${caseId}`)).status).toBe(404);
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, b.people.patient);
    expect((await patientB.get(`/account/cases/${caseId}/patient`)).status).toBe(404);
    // Row-level security: hospital B's connection does not see hospital A's row at all.
    const rows = await app
      .get(TenantDatabase)
      .forTenant(b.id, (tx) => tx.query('SELECT 1 FROM case_subjects WHERE case_id = $1', [caseId]));
    expect(rows).toEqual([]);
  });
});

/**
 * An adult child asks for their elderly mother; the mother is invited by email (a one-time link, no name in the
 * email), follows the case with her own account, then removes the requester, whose access ends at once. A child's
 * case cannot invite anyone; another family and another hospital see nothing.
 */
describe('an adult patient follows the request made for her', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let caregiver: WebClient;
  const MOTHER = `Rosa Canary-${randomUUID().slice(0, 8)}`;
  const motherEmail = `mother-${randomUUID().slice(0, 8)}@patients.example`;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'] } }));
    caregiver = new WebClient(app, a.host);
    await signInPatient(caregiver, a.people.patient);
  });

  afterAll(() => app.close());

  const invitations = () =>
    app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ to_address: string; template: string; data: { token: string } }[]> =>
        tx.query(`SELECT to_address, template, data FROM outbound_emails WHERE template = 'follow-invitation' ORDER BY created_at`),
      );

  it('invites the adult patient by a one-time link, lets her follow, then remove the requester at once', async () => {
    const tz = (await app.get(TenantResolver).byId(a.id))!.timeZone;
    const c = await createTestCase(app, a, { state: 'submitted' });
    await caregiver.get(`/account/cases/${c.id}/patient`);
    const adult = await caregiver.post(`/account/cases/${c.id}/patient`, {
      for_whom: 'adult',
      patient_name: MOTHER,
      relationship: 'adult_child',
      birth_date: bornYearsAgo(81, tz),
      sex_at_birth: 'female',
      proxy_authorization: 'yes',
    });
    expect(adult.status).toBe(303);
    const proxy = await operatorQuery(app, `SELECT version FROM case_consents WHERE case_id = $1 AND kind = 'proxy_authorization'`, [c.id]);
    expect(proxy).toHaveLength(1);

    const page = await caregiver.get(`/account/cases/${c.id}`);
    expect(page.text).toContain('Invite the patient to follow the request');
    const bad = await caregiver.post(`/account/cases/${c.id}/followers`, { email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter the patient’s email address, like name@example.com.');
    expect(bad.text).toContain('value="not an address"');
    await caregiver.get(`/account/cases/${c.id}`);
    const sent = await caregiver.post(`/account/cases/${c.id}/followers`, { email: motherEmail });
    expect(sent).toMatchObject({ status: 303, location: `/account/cases/${c.id}?invited=1#patient` });
    const [mail] = await invitations();
    expect(mail.to_address).toBe(motherEmail);
    // The email names neither the patient nor the request: a link, in every language.
    const tenant = (await app.get(TenantResolver).byId(a.id))!;
    for (const locale of ['en', 'es', 'fr']) {
      const email = app.get(EmailRenderer).render(tenant, 'follow-invitation', locale, mail.data);
      expect(`${email.subject}\n${email.html}\n${email.text}`).not.toContain('Canary');
      expect(email.text).toContain(`/follow/${mail.data.token}`);
      expectNoLeaks(email.html, { locale, translator: app.get(Translator), allow: [tenant.name] });
    }

    // The requester's own link does nothing for them; another hospital does not know it.
    expect((await caregiver.get(`/follow/${mail.data.token}`)).status).toBe(404);
    const elsewhere = new WebClient(app, b.host);
    await signInPatient(elsewhere, b.people.patient);
    expect((await elsewhere.get(`/follow/${mail.data.token}`)).status).toBe(404);

    const mother = new WebClient(app, a.host);
    await signUpPatient(mother, app, a.id, { name: 'Rosa', email: motherEmail });
    const invitation = await mother.get(`/follow/${mail.data.token}`);
    expect(invitation.status).toBe(200);
    expect(invitation.headers['referrer-policy']).toBe('no-referrer');
    expect(invitation.text).toContain(c.number);
    for (const locale of ['es', 'fr', 'en']) {
      const shown = await mother.get(`/follow/${mail.data.token}?lang=${locale}`);
      expectNoLeaks(shown.text, { locale, translator: app.get(Translator), allow: [a.name, c.number] });
    }
    expect((await mother.post(`/follow/${mail.data.token}`)).location).toBe(`/account/cases/${c.id}`);
    // Once only.
    expect((await mother.get(`/follow/${mail.data.token}`)).status).toBe(404);

    // Both follow it now; the patient sees who asked, and only the requester may change the details.
    expect((await mother.get('/account')).text).toContain(c.number);
    const hers = await mother.get(`/account/cases/${c.id}`);
    expect(hers.status).toBe(200);
    expect(hers.text).toContain('You follow this request, made for you by');
    expect(hers.text).not.toContain(`/account/cases/${c.id}/patient"`);
    expect((await caregiver.get(`/account/cases/${c.id}`)).text).toMatch(/id="followers">[\s\S]*Rosa/);
    expect((await caregiver.post(`/account/cases/${c.id}/followers/remove-requester`)).status).toBe(404);

    // Both are told when the opinion is ready (a link, no words about the case), each at their own address.
    await advanceTestCase(app, a, { id: c.id, number: c.number, state: 'submitted' }, 'delivered');
    const ready = await operatorQuery<{ to_address: string }>(
      app,
      `SELECT to_address FROM outbound_emails WHERE template = 'opinion-ready' AND data->>'caseId' = $1 ORDER BY to_address`,
      [c.id],
    );
    expect(ready.map((r) => r.to_address).sort()).toEqual([a.people.patient.email, motherEmail].sort());
    expect((await mother.get(`/account/cases/${c.id}/opinion`)).status).toBe(200);

    await mother.get(`/account/cases/${c.id}`);
    const removed = await mother.post(`/account/cases/${c.id}/followers/remove-requester`);
    expect(removed).toMatchObject({ status: 303, location: `/account/cases/${c.id}?removed=1#patient` });
    // At once: the requester's next request is a 404, and the list no longer has it.
    expect((await caregiver.get(`/account/cases/${c.id}`)).status).toBe(404);
    expect((await caregiver.get('/account')).text).not.toContain(c.number);
    expect((await caregiver.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
    const now = await mother.get(`/account/cases/${c.id}?removed=1`);
    expect(now.text).toContain('The person who asked no longer has access to this request.');
    expect(now.text).toContain(`/account/cases/${c.id}/patient"`);
    const types = await operatorQuery<{ type: string }>(app, 'SELECT type FROM case_events WHERE case_id = $1 ORDER BY seq', [c.id]);
    expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['follower_invited', 'follower_joined', 'requester_removed']));
    expect(JSON.stringify(await operatorQuery(app, 'SELECT data FROM case_events WHERE case_id = $1', [c.id]))).not.toContain('Canary');
  });

  it('invites no one to a child’s request: the parent follows it', async () => {
    const tz = (await app.get(TenantResolver).byId(a.id))!.timeZone;
    const c = await createTestCase(app, a, { state: 'submitted' });
    await caregiver.get(`/account/cases/${c.id}/patient`);
    await caregiver.post(`/account/cases/${c.id}/patient`, {
      for_whom: 'child',
      patient_name: 'A child',
      relationship: 'parent',
      birth_date: bornYearsAgo(5, tz),
      sex_at_birth: 'male',
      proxy_guardian: 'yes',
    });
    const page = await caregiver.get(`/account/cases/${c.id}`);
    expect(page.text).not.toContain('Invite the patient to follow the request');
    const before = (await invitations()).length;
    const refused = await caregiver.post(`/account/cases/${c.id}/followers`, { email: 'someone@patients.example' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Only an adult patient can be invited');
    expect(await invitations()).toHaveLength(before);
  });
});

/** Step one and the plan, then a draft as the signed-in patient; returns the draft's id. */
async function startDraft(client: WebClient, hospital: TestHospital): Promise<string> {
  await client.submit('/start', { offering: hospital.offeringSlug, jurisdiction: 'US-NY' });
  await client.get('/start/plan');
  const started = await client.post('/start/plan');
  const id = /^\/start\/([0-9a-f-]{36})\/details$/.exec(started.location ?? '')?.[1];
  expect(id).toBeDefined();
  return id!;
}
