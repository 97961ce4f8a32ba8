import { BlueprintExporter } from '@consilium/tenancy';
import { Case, CaseAssignments, CaseReview, LatePromises } from '@consilium/cases';
import { Clock, TenantDatabase } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { actAs, asStaff, createTestCase, readCase } from '../support/cases';
import { pdf } from '../support/hostile-files';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestPhysician, createTwoHospitals, TestHospital, testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Friday, 10:00 in New York (the test hospitals' time zone). */
const FRIDAY = Date.parse('2026-11-27T15:00:00Z');
/** Hospital A is closed on Tuesday 1 December 2026. */
const HOLIDAY = '2026-12-01';

/**
 * The promise to the patient, end to end: computed once in the hospital's business days (its holidays skipped), shown
 * from submission, never moved by a reassignment, paused visibly while records are awaited and moved by exactly the
 * pause, and, once passed, the case is late for staff (queue filter, coordinator and admin email) and the patient
 * (email with the new date), once. Time is the app's Clock, moved by the test. Emails are rows of the outbox table.
 */
describe('the promise to the patient', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  let a: TestHospital;
  let b: TestHospital;
  let now: number;
  let patient: WebClient;
  let coordinator: WebClient;
  let coordinatorB: WebClient;
  let second: string;

  const at = (ms: number) => {
    now = ms;
  };
  const coordinatorA = () => asStaff(a.people.coordinator, 'coordinator');
  const emails = (template: string, caseId: string) =>
    app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ to_address: string; locale: string; data: Record<string, unknown> }[]> =>
        tx.query(`SELECT to_address, locale, data FROM outbound_emails WHERE template = $1 AND data->>'caseId' = $2 ORDER BY to_address`, [
          template,
          caseId,
        ]),
      );
  const promiseOnPage = (html: string) => /<strong id="promise">([^<]*)<\/strong>/.exec(html)?.[1];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-promises-'));
    app = await createTestApp({ DATA_DIR: dataDir, FILES_MASTER_KEY: randomBytes(32).toString('base64') }, {}, { domains: true });
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es'], holidays: [HOLIDAY] } }));
    // A second physician licensed where the patients live, so a case can be reassigned.
    const suffix = a.slug.slice(2);
    const doc = testBlueprint(a.slug).physicians![0];
    await applyTestBlueprint(
      app,
      testBlueprint(a.slug, {
        locales: ['en', 'es'],
        holidays: [HOLIDAY],
        physicians: [doc, { ...doc, slug: `second-${suffix}`, name: 'Ben Second' }],
      }),
    );
    second = (await createTestPhysician(app, a, `second-${suffix}`)).id;
    patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
    coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, b.people.coordinator);
    now = Date.now();
    jest.spyOn(app.get(Clock), 'now').mockImplementation(() => new Date(now));
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('promises triage at submission and the opinion at acceptance in business days, skipping the hospital’s holiday', async () => {
    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'submitted' });
    // Monday, (Tuesday closed), Wednesday: two business days.
    expect((await readCase(app, a, c.id)).triageBy!.toISOString()).toBe('2026-12-02T15:00:00.000Z');
    expect(promiseOnPage((await patient.get(`/account/cases/${c.id}`)).text)).toBe('Triage by December 2, 2026');
    expect((await patient.get('/account')).text).toContain('Triage by December 2, 2026');

    await actAs(app, a, coordinatorA(), async () => {
      await app.get(CaseReview).move(c.id, 'start_triage');
      await app.get(CaseReview).move(c.id, 'accept');
    });
    // Five business days from Friday with Tuesday closed: Mon, Wed, Thu, Fri, Mon.
    const accepted = await readCase(app, a, c.id);
    expect(accepted.promisedBy!.toISOString()).toBe('2026-12-07T15:00:00.000Z');
    expect(promiseOnPage((await patient.get(`/account/cases/${c.id}`)).text)).toBe('Opinion by December 7, 2026');
    expect(promiseOnPage((await patient.get(`/account/cases/${c.id}?lang=es`)).text)).toBe('Opinión antes del 7 de diciembre de 2026');
    await patient.get('/account?lang=en');
    // Staff see the same promise on the case page; the other hospital sees no such case.
    expect(promiseOnPage((await coordinator.get(`/console/cases/${c.id}`)).text)).toBe('Opinion by December 7, 2026');
    expect((await coordinatorB.get(`/console/cases/${c.id}`)).status).toBe(404);
    // The moment it falls due is a job.
    const [{ jobs }] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT count(*)::int AS jobs FROM pgboss.job WHERE name = 'case-promise-due' AND data->>'caseId' = $1`, [c.id]),
      );
    expect(jobs).toBe(1);
  });

  it('never moves the promise when the case is assigned or reassigned', async () => {
    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'accepted' });
    const promised = (await readCase(app, a, c.id)).promisedBy!.toISOString();
    const physicians = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ id: string; account_id: string }[]> => tx.query('SELECT id, account_id FROM physicians'));
    const byAccount = (account: string) => physicians.find((p) => p.account_id === account)!.id;
    const assign = (physicianAccount: string) =>
      actAs(app, a, coordinatorA(), () => app.get(CaseAssignments).assign(c.id, byAccount(physicianAccount)));
    await assign(a.people.physician.id);
    at(FRIDAY + 4 * DAY);
    await assign(second);
    const reassigned = await readCase(app, a, c.id);
    // The physician's own deadline starts again with each assignment; the patient's promise does not.
    expect(reassigned.dueAt!.getTime()).toBeGreaterThan(Date.parse(promised));
    expect(reassigned.promisedBy!.toISOString()).toBe(promised);
    at(FRIDAY + 6 * DAY);
    await assign(a.people.physician.id);
    expect((await readCase(app, a, c.id)).promisedBy!.toISOString()).toBe(promised);
  });

  it('pauses the promise while the care team waits for records, visibly, and moves it by exactly the pause', async () => {
    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'accepted' });
    const promised = (await readCase(app, a, c.id)).promisedBy!.getTime();
    const askedAt = FRIDAY + 3 * DAY + 7 * 60_000; // Monday 10:07
    at(askedAt);
    await actAs(app, a, coordinatorA(), () => app.get(CaseReview).askForRecords(c.id, 'The MRI report is missing'));
    expect((await readCase(app, a, c.id)).pausedAt!.getTime()).toBe(askedAt);
    const paused = await patient.get(`/account/cases/${c.id}`);
    expect(promiseOnPage(paused.text)).toBe(
      'Paused since November 30, 2026 while we wait for records; the date December 7, 2026 moves by the time we wait',
    );
    expect(paused.text).toContain('Waiting for records: the promised date is paused');

    // Past the original date while paused: not late.
    const uploadedAt = promised + 2 * DAY + 3 * HOUR + 11_000;
    at(uploadedAt);
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('nothing');
    expect((await coordinator.get('/console/cases?risk=late')).text).not.toContain(c.number);

    // The patient sends the records through their case page: the clock runs again, moved by exactly the pause.
    const page = await patient.get(`/account/cases/${c.id}`);
    const action = /<form method="post" action="([^"]+\/records\/upload\?_csrf=[^"]+)" enctype="multipart\/form-data"/.exec(page.text)![1];
    const sent = await request(app.getHttpServer())
      .post(action)
      .set('Host', patient.host)
      .set('Cookie', patient.cookieHeader())
      .attach('file', pdf(), 'report.pdf');
    expect(sent.status).toBe(303);
    const resumed = await readCase(app, a, c.id);
    expect(resumed.pausedAt).toBeNull();
    expect(resumed.promisedBy!.getTime() - promised).toBe(uploadedAt - askedAt);
    const after = await patient.get(`/account/cases/${c.id}`);
    expect(after.text).toContain('Records received: the promised date moved by the time we waited');
    expect(promiseOnPage(after.text)).toBe('Opinion by December 16, 2026');
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('nothing');
  });

  it('marks a case past its promise late: queue filter, coordinator and admin email, the patient’s new date, once', async () => {
    at(FRIDAY);
    const c = await createTestCase(app, a, { state: 'assigned' });
    const promised = (await readCase(app, a, c.id)).promisedBy!.getTime();
    at(promised - 60_000);
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('nothing');
    expect((await coordinator.get('/console/cases?risk=late')).text).not.toContain(c.number);

    at(promised + HOUR); // Monday 7 December, 11:00 in New York
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('late');
    expect(await app.get(LatePromises).check(a.id, c.id)).toBe('already_late'); // a retried job sends nothing again
    await app.get(LatePromises).sweep(a.id); // the sweep over every open promise does not tell anyone twice either
    const late = await readCase(app, a, c.id);
    // The new date: two business days on, the physician's own deadline having passed.
    expect(late.revisedBy!.toISOString()).toBe('2026-12-09T16:00:00.000Z');
    expect(late.promisedBy!.getTime()).toBe(promised);

    const patientMail = await emails('running-late', c.id);
    expect(patientMail).toEqual([
      { to_address: a.people.patient.email, locale: 'en', data: { caseId: c.id, newDate: Date.parse('2026-12-09T16:00:00Z') } },
    ]);
    const staffMail = (await emails('case-late', c.id)).map((m) => m.to_address).sort();
    expect(staffMail).toEqual([a.people.admin.email, a.people.coordinator.email].sort());

    const queue = await coordinator.get('/console/cases?risk=late');
    expect(queue.status).toBe(200);
    expect(queue.text).toContain(c.number);
    expect((await coordinatorB.get('/console/cases?risk=late')).text).not.toContain(c.number);
    const page = await patient.get(`/account/cases/${c.id}`);
    expect(promiseOnPage(page.text)).toBe('Running late: new date December 9, 2026');
    expect(page.text).toContain('Running late: we sent you the new date');
    expect(promiseOnPage((await patient.get(`/account/cases/${c.id}?lang=es`)).text)).toBe(
      'Con retraso: nueva fecha 9 de diciembre de 2026',
    );
    await patient.get('/account?lang=en');
  });

  it('keeps the holidays in the blueprint and lets an admin edit them in the console, refusing a wrong date beside the field', async () => {
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.holidays).toEqual([HOLIDAY]);
    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const form = (holidays: string) => ({
      color_primary: '#123456',
      color_accent: '#abcdef',
      color_text: '#1a1a1a',
      color_background: '#ffffff',
      font_heading: 'system-ui, sans-serif',
      font_body: 'system-ui, sans-serif',
      holidays,
    });
    const page = await admin.get('/console/branding');
    expect(page.text).toContain(`value="${HOLIDAY}"`);
    const refused = await admin.post('/console/branding', form('2026-12-25 2027-02-30'));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="f-holidays-error"');
    expect(refused.text).toContain('“2027-02-30” is not a date written as YYYY-MM-DD.');
    expect(refused.text).toContain('value="2026-12-25 2027-02-30"');
    await admin.get('/console/branding?lang=es');
    const refusedEs = await admin.post('/console/branding', form('31/12/2026'));
    expect(refusedEs.text).toContain('“31/12/2026” no es una fecha escrita como AAAA-MM-DD.');
    await admin.get('/console/branding?lang=en');
    const saved = await admin.post('/console/branding', form('2027-01-01, 2026-12-25 2026-12-01'));
    expect(saved.status).toBe(303);
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.holidays).toEqual(['2026-12-01', '2026-12-25', '2027-01-01']);
    // The other hospital's calendar is its own.
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint.holidays).toBeUndefined();

    // A new promise counts around the new holidays; one already made does not move.
    at(Date.parse('2026-12-24T15:00:00Z')); // Thursday; Friday 25 closed
    const c = await createTestCase(app, a, { state: 'submitted' });
    expect((await readCase(app, a, c.id)).triageBy!.toISOString()).toBe('2026-12-29T15:00:00.000Z');
    const untouched: Case[] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query(`SELECT promised_by FROM cases WHERE promised_by = '2026-12-07T15:00:00Z'`));
    expect(untouched.length).toBeGreaterThan(0);
  });
});
