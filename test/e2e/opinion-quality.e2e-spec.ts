import { Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestCase, readCase } from '../support/cases';
import { expectPageIn, readerIn } from '../support/leak-detector';
import { operatorQuery } from '../support/payments';
import { letterText } from '../support/pdf-text';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestStaffMember, createTwoHospitals, testBlueprint, TestHospital, TestPerson } from '../support/tenants';
import { WebClient } from '../support/web-client';

const OPINION = {
  diagnosis_agreement: 'refined',
  treatment_changed: 'yes',
  diagnosis_note: 'Grade is 2, not 3.',
  recommendations: 'Neoadjuvant chemotherapy before surgery.',
  answer_0: 'Yes, after chemotherapy.',
  patient_summary: 'Your cancer is treatable; start with medicine, then surgery.',
};
const COMMENT = 'Say which chemotherapy regimen, and for how long.';
const AMENDED = 'Neoadjuvant AC-T chemotherapy for 16 weeks before surgery.';

/**
 * Quality before release (issue #22): a hospital that asks for it holds every signed opinion for its medical
 * director, who returns it once with a comment (the physician amends and signs again) and then approves it; only then
 * does the patient have it, its letter and its emails. Audited; another hospital's director gets 404.
 */
describe('quality check before release', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let a: TestHospital;
  let b: TestHospital;
  let directorA: TestPerson;
  let directorB: TestPerson;

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    translator = app.get(Translator);
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    directorA = await createTestStaffMember(app, a, 'medical_director');
    directorB = await createTestStaffMember(app, b, 'medical_director');
  });

  afterAll(() => app.close());

  /** The patient's "your opinion is ready" emails of a case. */
  const opinionEmails = (caseId: string) =>
    operatorQuery<{ to_address: string }>(
      app,
      `SELECT to_address FROM outbound_emails WHERE tenant_id = $1 AND template = 'opinion-ready' AND data->>'caseId' = $2`,
      [a.id, caseId],
    );

  it('lets the admin choose the check in the console, refusing a made-up choice beside the field, in their language', async () => {
    const admin = readerIn(app, a.host, 'es');
    await signInStaff(admin, a.people.admin);
    const page = await admin.get('/console/quality/settings');
    expectPageIn(page, 'es', { status: 200, what: 'settings', translator, allow: [`Test Hospital ${a.slug}`] });
    const refused = await admin.post('/console/quality/settings', { quality_check: 'the_janitor' });
    expectPageIn(refused, 'es', { status: 400, what: 'refused settings', translator, allow: [`Test Hospital ${a.slug}`] });
    expect(refused.text).toContain('<p class="field__error">Elija una opción de la lista.</p>');
    const saved = await admin.post('/console/quality/settings', { quality_check: 'medical_director' });
    expect(saved.location).toBe('/console/quality/settings?saved=1');
    // A physician may not change it; another hospital's setting is untouched.
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    expect((await physician.post('/console/quality/settings', { quality_check: 'none' })).status).toBe(403);
    const rows = await operatorQuery<{ tenant_id: string; quality_check: string }>(
      app,
      'SELECT tenant_id, quality_check FROM opinion_settings',
    );
    expect(rows).toEqual([{ tenant_id: a.id, quality_check: 'medical_director' }]);
  });

  it('holds the signed opinion for the director, who returns it once and then approves it; only then the patient has it', async () => {
    const c = await createTestCase(app, a, { state: 'in_review', details: { questions: ['Do I need surgery?'] } });
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    await physician.get(`/console/reviews/${c.id}`);
    const signed = await physician.post(`/console/reviews/${c.id}/sign`, {
      ...OPINION,
      code: await freshCode(a.people.physician.email, undefined, app),
    });
    expect(signed.location).toBe(`/console/reviews/${c.id}?signed=1`);

    // Signed, in check: the case is still owed (its promise runs), the patient has nothing, no email went out.
    const held = await readCase(app, a, c.id);
    expect(held.state).toBe('opinion_signed');
    expect(held.deliveredAt).toBeNull();
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);
    expect(await opinionEmails(c.id)).toEqual([]);
    expect((await physician.get(`/console/reviews/${c.id}`)).text).toContain('waiting for its quality check');
    // The signer cannot check their own opinion, even by its address.
    const [opinion] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM opinions WHERE case_id = $1', [c.id]);
    expect((await physician.get(`/console/quality/${opinion.id}`)).status).toBe(404);

    // The director finds it in the queue and returns it without a comment: refused beside the field, nothing lost.
    const director = readerIn(app, a.host, 'fr');
    await signInStaff(director, directorA);
    const queue = await director.get('/console/quality');
    expectPageIn(queue, 'fr', { status: 200, what: 'queue', translator, allow: [c.number, `Test Hospital ${a.slug}`] });
    expect(queue.text).toContain(`/console/quality/${opinion.id}`);
    const check = await director.get(`/console/quality/${opinion.id}`);
    expect(check.text).toContain(OPINION.recommendations);
    const blank = await director.post(`/console/quality/${opinion.id}/return`, { comment: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('Écrivez ce que le médecin doit changer');
    const returned = await director.post(`/console/quality/${opinion.id}/return`, { comment: COMMENT });
    expect(returned.location).toBe('/console/quality?returned=1');

    // Back with the physician as a draft, with the comment; they amend and sign again.
    const workspace = await physician.get(`/console/reviews/${c.id}`);
    expect(workspace.text).toContain(COMMENT);
    expect(workspace.text).toContain('returned with comments');
    const again = await physician.post(`/console/reviews/${c.id}/sign`, {
      ...OPINION,
      recommendations: AMENDED,
      code: await freshCode(a.people.physician.email, undefined, app),
    });
    expect(again.location).toBe(`/console/reviews/${c.id}?signed=1`);
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).status).toBe(404);

    // Approved: delivered, the patient reads the amended words, the milestone email goes out once.
    const approved = await director.post(`/console/quality/${opinion.id}/approve`, { comment: '' });
    expect(approved.location).toBe('/console/quality?approved=1');
    expect((await readCase(app, a, c.id)).state).toBe('delivered');
    const page = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(AMENDED);
    // The director's comment is staff-only.
    expect(page.text).not.toContain(COMMENT);
    // The letter and the page name who approved it, and in what capacity.
    expect(page.text).toContain('Quality check: approved on');
    expect(page.text).toContain('by the medical director,');
    const [signedLetter] = await operatorQuery<{ pdf: Buffer }>(app, 'SELECT pdf FROM opinion_letters WHERE opinion_id = $1', [opinion.id]);
    expect(letterText(signedLetter.pdf)).toContain(`approved by medical_director ${a.slug}, medical director, on`);
    expect(await opinionEmails(c.id)).toEqual([{ to_address: a.people.patient.email }]);
    expect((await director.get(`/console/quality/${opinion.id}`)).status).toBe(404);

    const checks = await operatorQuery<{ outcome: string; reviewer_id: string }>(
      app,
      'SELECT outcome, reviewer_id FROM opinion_checks WHERE opinion_id = $1 ORDER BY created_at',
      [opinion.id],
    );
    expect(checks).toEqual([
      { outcome: 'returned', reviewer_id: directorA.id },
      { outcome: 'approved', reviewer_id: directorA.id },
    ]);
    const audit = await operatorQuery<{ action: string; outcome: string }>(
      app,
      `SELECT action, outcome FROM audit_events WHERE tenant_id = $1 AND entity_id = $2 AND action LIKE 'opinion.check%' ORDER BY occurred_at`,
      [a.id, opinion.id],
    );
    // The signer's look (denied), the director's read, refused and accepted return, approval, and a late look (denied).
    expect(audit.map((r) => `${r.action}:${r.outcome}`)).toEqual([
      'opinion.check_read:denied',
      'opinion.check_read:allowed',
      'opinion.check_return:allowed',
      'opinion.check_return:allowed',
      'opinion.check_approve:allowed',
      'opinion.check_read:denied',
    ]);
  });

  it('is invisible to another hospital’s director, who gets 404', async () => {
    const c = await createTestCase(app, a, { state: 'in_review', details: { questions: ['Do I need surgery?'] } });
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, { ...OPINION, code: await freshCode(a.people.physician.email, undefined, app) });
    const [opinion] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM opinions WHERE case_id = $1', [c.id]);
    // Hospital B asks for the check too: its director still sees nothing of A's.
    await applyTestBlueprint(app, { ...testBlueprint(b.slug), quality_check: 'medical_director' });
    const other = new WebClient(app, b.host);
    await signInStaff(other, directorB);
    expect((await other.get('/console/quality')).text).not.toContain(opinion.id);
    expect((await other.get(`/console/quality/${opinion.id}`)).status).toBe(404);
    expect((await other.post(`/console/quality/${opinion.id}/approve`, { comment: '' })).status).toBe(404);
    expect((await readCase(app, a, c.id)).state).toBe('opinion_signed');
  });

  it('keeps staff-only internal notes on the case: the physician and the director read them, the patient never', async () => {
    const NOTE = 'Tumour board on Thursday agreed; pathology re-read pending.';
    const c = await createTestCase(app, a, { state: 'in_review', details: { questions: ['Do I need surgery?'] } });
    const physician = readerIn(app, a.host, 'es');
    await signInStaff(physician, a.people.physician);
    await physician.get(`/console/reviews/${c.id}`);
    // An empty note is refused beside the field, in the physician's language.
    const blank = await physician.post(`/console/reviews/${c.id}/notes`, { internal_note: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('Escriba la nota antes de guardarla.');
    expect((await physician.post(`/console/reviews/${c.id}/notes`, { internal_note: NOTE })).location).toBe(
      `/console/reviews/${c.id}#internal-notes`,
    );
    const workspace = await physician.get(`/console/reviews/${c.id}`);
    expectPageIn(workspace, 'es', {
      status: 200,
      what: 'workspace with notes',
      translator,
      allow: [
        `Test Hospital ${a.slug}`,
        NOTE,
        c.number,
        'Do I need surgery?',
        'Synthetic diagnosis for a test',
        `physician ${a.slug}`,
        `patient ${a.slug}`,
      ],
    });
    expect(workspace.text).toContain(NOTE);

    await physician.post(`/console/reviews/${c.id}/sign`, { ...OPINION, code: await freshCode(a.people.physician.email, undefined, app) });
    const [opinion] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM opinions WHERE case_id = $1', [c.id]);
    const director = new WebClient(app, a.host);
    await signInStaff(director, directorA);
    expect((await director.get(`/console/quality/${opinion.id}`)).text).toContain(NOTE);
    await director.post(`/console/quality/${opinion.id}/notes`, { internal_note: 'Checked against the guideline.' });
    await director.post(`/console/quality/${opinion.id}/approve`, { comment: '' });

    // Delivered: neither the patient's page nor the letter carries a note.
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const page = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(NOTE);
    expect(page.text).not.toContain('Checked against the guideline.');
    const [letter] = await operatorQuery<{ pdf: Buffer }>(app, 'SELECT pdf FROM opinion_letters WHERE opinion_id = $1', [opinion.id]);
    expect(letterText(letter.pdf)).not.toContain('Tumour board');
    expect((await patient.get(`/account/cases/${c.id}`)).text).not.toContain(NOTE);

    // Another hospital's physician: 404, nothing written.
    const other = new WebClient(app, b.host);
    await signInStaff(other, b.people.physician);
    await other.get('/console/reviews');
    expect((await other.post(`/console/reviews/${c.id}/notes`, { internal_note: 'x' })).status).toBe(404);
    const notes = await operatorQuery<{ body: string }>(
      app,
      'SELECT body FROM case_internal_notes WHERE case_id = $1 ORDER BY created_at',
      [c.id],
    );
    expect(notes.map((n) => n.body)).toEqual([NOTE, 'Checked against the guideline.']);
    const audit = await operatorQuery<{ n: number }>(
      app,
      `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action = 'case.internal_note' AND outcome = 'allowed'`,
      [a.id],
    );
    expect(audit[0].n).toBe(3);
  });

  it('holds an amendment of a delivered opinion too: the patient keeps reading the approved version until the new one is approved', async () => {
    const c = await createTestCase(app, a, { state: 'in_review', details: { questions: ['Do I need surgery?'] } });
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, { ...OPINION, code: await freshCode(a.people.physician.email, undefined, app) });
    const director = new WebClient(app, a.host);
    await signInStaff(director, directorA);
    const [first] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM opinions WHERE case_id = $1', [c.id]);
    await director.get(`/console/quality/${first.id}`);
    await director.post(`/console/quality/${first.id}/approve`, { comment: 'Clear.' });
    expect((await readCase(app, a, c.id)).state).toBe('delivered');

    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/amend`, { amendment_reason: 'New pathology slides arrived.' });
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/sign`, {
      ...OPINION,
      recommendations: AMENDED,
      code: await freshCode(a.people.physician.email, undefined, app),
    });
    // In check: a second amendment cannot start, the patient still reads version 1, no event announces version 2.
    expect((await physician.post(`/console/reviews/${c.id}/amend`, { amendment_reason: 'Again.' })).status).toBe(400);
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const before = await patient.get(`/account/cases/${c.id}/opinion`);
    expect(before.text).toContain(OPINION.recommendations);
    expect(before.text).not.toContain(AMENDED);
    const events = () =>
      operatorQuery<{ type: string }>(
        app,
        `SELECT type FROM case_events WHERE case_id = $1 AND type IN ('opinion_amended', 'opinion_ready') AND data->>'version' = '2' ORDER BY occurred_at`,
        [c.id],
      );
    expect(await events()).toEqual([]);

    const [second] = await operatorQuery<{ id: string }>(app, 'SELECT id FROM opinions WHERE case_id = $1 AND version = 2', [c.id]);
    await director.get(`/console/quality/${second.id}`);
    await director.post(`/console/quality/${second.id}/approve`, { comment: '' });
    expect((await patient.get(`/account/cases/${c.id}/opinion`)).text).toContain(AMENDED);
    expect((await events()).map((e) => e.type)).toEqual(['opinion_amended', 'opinion_ready']);
  });
});
