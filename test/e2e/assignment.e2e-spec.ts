import { AssignmentDeadlines, Case } from '@consilium/cases';
import { Clock, TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { IntakePlanner } from '@consilium/intake';
import { TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actAs, asPatient, createTestCase, TestCaseOptions } from '../support/cases';
import { eventually } from '../support/eventually';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import {
  applyTestBlueprint,
  createTestPhysician,
  createTwoHospitals,
  TestHospital,
  TestPeople,
  TestPerson,
  testBlueprint,
} from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * Assignment end to end: ranked suggestions with their reasons, the coordinator assigning, the physician accepting
 * or declining in their workspace, and deadlines judged by a clock the test moves (reminder, missed deadline,
 * reassignment, the coordinator's alert). Emails are checked as rows of the outbox table (no worker runs here).
 */
describe('assignment, deadlines and reassignment', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let second: TestPerson;
  let coordinator: WebClient;
  let physician: WebClient;
  let physician2: WebClient;
  let clock: Clock;
  let now: Date;
  const ids: Record<string, string> = {};

  /** A paid, accepted case for a New York patient on the tenant's offering, as triage leaves it. */
  const acceptedCase = (options: Pick<TestCaseOptions, 'requestedPhysician'> = {}) =>
    createTestCase(app, a, { state: 'accepted', ...options });

  /** Whether intake would honour a New York patient's request for this physician now. */
  const eligibleWhenAskedFor = (physician: string) =>
    actAs(app, a, asPatient(peopleA.patient), async () => {
      const tenant = (await app.get(TenantResolver).byId(a.id))!;
      const choice = { offering: a.offeringSlug, addOns: [], jurisdiction: 'US-NY', physician };
      return (await app.get(IntakePlanner).plan(tenant, choice, 'en')).decision.requestedPhysician?.eligible;
    });

  /** The roster: two physicians licensed in New York, and one only in New Jersey (or, `njAlsoInNewYork`, in both). */
  const roster = (njAlsoInNewYork = false) => {
    const doc = testBlueprint('t-x').physicians![0];
    const suffix = a.slug.slice(2);
    const spec = `spec-${suffix}`;
    const nj = [{ jurisdiction: 'US-NJ', number: 'NJ-3', expires: '2099-12-31' }];
    return testBlueprint(a.slug, {
      physicians: [
        { ...doc, slug: `doc-${suffix}`, name: 'Ana First', specialties: [spec] },
        {
          ...doc,
          slug: `second-${suffix}`,
          name: 'Ben Second',
          specialties: [spec],
          licenses: [{ jurisdiction: 'US-NY', number: 'NY-2', expires: '2099-12-31' }],
        },
        {
          ...doc,
          slug: `nj-${suffix}`,
          name: 'Cy Jersey',
          specialties: [spec],
          licenses: njAlsoInNewYork ? [...nj, { jurisdiction: 'US-NY', number: 'NY-3', expires: '2099-12-31' }] : nj,
        },
      ],
    });
  };

  const caseRow = (id: string) => app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }));
  const emails = (template: string, to: string) =>
    app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT data FROM outbound_emails WHERE template = $1 AND to_address = $2', [template, to]));
  const suggestionOrder = (html: string) => [...html.matchAll(/class="suggestion" data-physician="([0-9a-f-]{36})"/g)].map((m) => m[1]);
  const at = (ms: number) => {
    now = new Date(ms);
  };

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app));
    peopleA = a.people;
    peopleB = b.people;
    // Three physicians in the specialty: two licensed in New York, one only in New Jersey.
    await applyTestBlueprint(app, roster());
    const suffix = a.slug.slice(2);
    second = await createTestPhysician(app, a, `second-${suffix}`);
    await createTestPhysician(app, a, `nj-${suffix}`);
    for (const row of await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ id: string; slug: string }[]> =>
        tx.query('SELECT id, slug FROM physicians WHERE tenant_id = $1', [a.id]),
      ))
      ids[row.slug.split('-')[0]] = row.id;
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
    physician2 = new WebClient(app, a.host);
    await signInStaff(physician2, second);
    clock = app.get(Clock);
    now = new Date();
    jest.spyOn(clock, 'now').mockImplementation(() => now);
  });

  afterAll(() => app.close());

  it('ranks suggestions: eligible first, the patient’s named physician first among them, with reasons shown', async () => {
    const c = await acceptedCase();
    const page = await coordinator.get(`/console/cases/${c.id}`);
    expect(page.status).toBe(200);
    expect(suggestionOrder(page.text)).toEqual([ids.doc, ids.second, ids.nj]);
    expect(page.text).toContain('Licensed today where the patient lives');
    expect(page.text).toContain('Not licensed where the patient lives');
    const named = await acceptedCase({ requestedPhysician: `second-${a.slug.slice(2)}` });
    const namedPage = await coordinator.get(`/console/cases/${named.id}`);
    expect(suggestionOrder(namedPage.text)).toEqual([ids.second, ids.doc, ids.nj]);
    expect(namedPage.text).toContain('The patient asked for this physician');
    // A named physician who is no longer eligible (the roster changed since the request) is not honoured, and the
    // coordinator sees why.
    const nj = `nj-${a.slug.slice(2)}`;
    await applyTestBlueprint(app, roster(true));
    await eventually(async () => expect(await eligibleWhenAskedFor(nj)).toBe(true)); // every instance's roster cache
    const ineligible = await acceptedCase({ requestedPhysician: nj });
    await applyTestBlueprint(app, roster());
    await eventually(async () => expect(await eligibleWhenAskedFor(nj)).toBe(false));
    const ineligiblePage = await coordinator.get(`/console/cases/${ineligible.id}`);
    expect(suggestionOrder(ineligiblePage.text)).toEqual([ids.doc, ids.second, ids.nj]);
    expect(ineligiblePage.text).toContain('The patient asked for this physician, who cannot take it now');
    // Open cases count: once Ana has a case, Ben comes first.
    await coordinator.post(`/console/cases/${c.id}/assign`, { physician_id: ids.doc });
    const after = await coordinator.get(`/console/cases/${named.id}`);
    expect(suggestionOrder(after.text)).toEqual([ids.second, ids.doc, ids.nj]);
    const fresh = await acceptedCase();
    expect(suggestionOrder((await coordinator.get(`/console/cases/${fresh.id}`)).text)).toEqual([ids.second, ids.doc, ids.nj]);
    // An ineligible physician cannot be assigned.
    await coordinator.get(`/console/cases/${fresh.id}`);
    const refused = await coordinator.post(`/console/cases/${fresh.id}/assign`, { physician_id: ids.nj });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('cannot take this case');
  });

  it('assigns with deadlines in business days, emails the physician, and only they see the case', async () => {
    at(Date.parse('2026-11-27T15:00:00Z')); // a Friday, 10:00 in New York
    const c = await acceptedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    const res = await coordinator.post(`/console/cases/${c.id}/assign`, { physician_id: ids.doc });
    expect(res.status).toBe(303);
    const row = await caseRow(c.id);
    expect(row).toMatchObject({ state: 'assigned', assignedPhysicianId: peopleA.physician.id });
    expect(row.acceptBy!.toISOString()).toBe('2026-11-30T15:00:00.000Z'); // Monday 10:00
    expect(row.dueAt!.toISOString()).toBe('2026-12-04T15:00:00.000Z'); // five business days
    expect(await emails('case-assigned', peopleA.physician.email)).toContainEqual({ data: { caseId: c.id } });
    expect((await physician.get('/console/reviews')).text).toContain(c.number);
    expect((await physician.get(`/console/reviews/${c.id}`)).status).toBe(200);
    expect((await physician2.get(`/console/reviews/${c.id}`)).status).toBe(404);
    expect((await physician2.get('/console/reviews')).text).not.toContain(c.number);
    // The other hospital never sees it.
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, peopleB.coordinator);
    expect((await coordinatorB.get(`/console/cases/${c.id}`)).status).toBe(404);
    await coordinatorB.get('/console/cases');
    expect((await coordinatorB.post(`/console/cases/${c.id}/assign`, { physician_id: ids.doc })).status).toBe(404);
  });

  it('reminds before the accept deadline, then reassigns and alerts the coordinator when it passes', async () => {
    at(Date.parse('2026-11-27T15:00:00Z'));
    const c = await acceptedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/assign`, { physician_id: ids.doc });
    const deadlines = app.get(AssignmentDeadlines);
    const [assignment] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT id FROM case_assignments WHERE case_id = $1', [c.id]));
    // Jobs exist for each moment that matters.
    const [{ jobs }] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT count(*)::int AS jobs FROM pgboss.job WHERE name = 'assignment-deadline' AND data->>'assignmentId' = $1`, [
          assignment.id,
        ]),
      );
    expect(jobs).toBe(4);

    expect(await deadlines.check(a.id, assignment.id)).toBe('nothing');
    at(Date.parse('2026-11-30T12:00:00Z')); // three hours before the accept deadline
    expect(await deadlines.check(a.id, assignment.id)).toBe('reminded_accept');
    expect(await deadlines.check(a.id, assignment.id)).toBe('nothing'); // once
    expect(await emails('deadline-reminder', peopleA.physician.email)).toContainEqual({ data: { caseId: c.id, deadline: 'accept' } });

    at(Date.parse('2026-11-30T15:00:01Z'));
    expect(await deadlines.check(a.id, assignment.id)).toBe('missed_accept');
    expect(await deadlines.check(a.id, assignment.id)).toBe('ended');
    const row = await caseRow(c.id);
    expect(row).toMatchObject({ state: 'assigned', assignedPhysicianId: second.id });
    expect(await emails('assignment-lapsed', peopleA.coordinator.email)).toContainEqual({ data: { caseId: c.id, why: 'missed_accept' } });
    expect(await emails('case-assigned', second.email)).toContainEqual({ data: { caseId: c.id } });
    const events = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT type, actor_kind FROM case_events WHERE case_id = $1 ORDER BY seq', [c.id]));
    expect(events.slice(-2)).toEqual([
      { type: 'unassign', actor_kind: 'system' },
      { type: 'assign', actor_kind: 'system' },
    ]);
    // The physician who missed it no longer sees it; the new one accepts in their workspace.
    expect((await physician.get(`/console/reviews/${c.id}`)).status).toBe(404);
    await physician2.get(`/console/reviews/${c.id}`);
    expect((await physician2.post(`/console/reviews/${c.id}/begin`)).status).toBe(303);
    expect((await caseRow(c.id)).state).toBe('in_review');

    // The review deadline: a reminder a day before, then unassigned; nobody eligible is left, so it waits for a coordinator.
    const [next] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query('SELECT id, due_at FROM case_assignments WHERE case_id = $1 AND ended_at IS NULL', [c.id]));
    at(next.due_at.getTime() - 12 * 3600_000);
    expect(await deadlines.sweep(a.id)).toContain('reminded_review');
    expect(await emails('deadline-reminder', second.email)).toContainEqual({ data: { caseId: c.id, deadline: 'review' } });
    at(next.due_at.getTime() + 1000);
    expect(await deadlines.check(a.id, next.id)).toBe('missed_review');
    expect(await caseRow(c.id)).toMatchObject({ state: 'accepted', assignedPhysicianId: null });
    expect(await emails('assignment-lapsed', peopleA.coordinator.email)).toContainEqual({ data: { caseId: c.id, why: 'missed_review' } });
    const page = await coordinator.get(`/console/cases/${c.id}`);
    expect(page.text).toContain('missed the accept deadline');
    expect(page.text).toContain('missed the review deadline');
  });

  it('lets the physician decline, with a reason, and the case goes to the next physician', async () => {
    at(Date.now());
    const c = await acceptedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/assign`, { physician_id: ids.second });
    await physician2.get(`/console/reviews/${c.id}`);
    expect((await physician2.post(`/console/reviews/${c.id}/decline`, { reason: '' })).status).toBe(400);
    await physician2.get(`/console/reviews/${c.id}`);
    expect((await physician2.post(`/console/reviews/${c.id}/decline`, { reason: 'Conflict of interest' })).status).toBe(303);
    expect(await caseRow(c.id)).toMatchObject({ state: 'assigned', assignedPhysicianId: peopleA.physician.id });
    expect(await emails('assignment-lapsed', peopleA.coordinator.email)).toContainEqual({ data: { caseId: c.id, why: 'declined' } });
    expect((await physician2.get(`/console/reviews/${c.id}`)).status).toBe(404);
  });

  it('lets other physicians contribute notes to a case that the assigned physician alone signs', async () => {
    at(Date.now());
    const c = await acceptedCase();
    await coordinator.get(`/console/cases/${c.id}`);
    await coordinator.post(`/console/cases/${c.id}/assign`, { physician_id: ids.doc });
    await coordinator.get(`/console/cases/${c.id}`);
    expect((await coordinator.post(`/console/cases/${c.id}/contributors`, { physician_id: ids.second })).status).toBe(303);
    expect(await emails('contribution-requested', second.email)).toContainEqual({ data: { caseId: c.id } });
    // The contributor sees the case in their queue and writes a note; they cannot write or sign the opinion.
    expect((await physician2.get('/console/reviews')).text).toContain(c.number);
    const page = await physician2.get(`/console/reviews/${c.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Your note for the signing physician');
    expect((await physician2.post(`/console/reviews/${c.id}/contribution`, { note: 'Imaging suggests stage II.' })).status).toBe(303);
    await physician2.get(`/console/reviews/${c.id}`);
    expect((await physician2.post(`/console/reviews/${c.id}/draft`, { recommendations: 'mine' })).status).toBe(404);
    // The assigned physician reads it in their workspace; the coordinator sees that it was written.
    await physician.get(`/console/reviews/${c.id}`);
    await physician.post(`/console/reviews/${c.id}/begin`);
    const workspace = await physician.get(`/console/reviews/${c.id}`);
    expect(workspace.text).toContain('Notes from contributing physicians');
    expect(workspace.text).toContain('Imaging suggests stage II.');
    expect((await coordinator.get(`/console/cases/${c.id}`)).text).toContain('note written');
    // A physician neither assigned nor asked still gets 404.
    const third = new WebClient(app, a.host);
    const [nj] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ email: string }[]> =>
        tx.query(`SELECT a.email FROM accounts a JOIN physicians p ON p.account_id = a.id WHERE p.id = $1`, [ids.nj]),
      );
    await signInStaff(third, { id: '', email: nj.email });
    expect((await third.get(`/console/reviews/${c.id}`)).status).toBe(404);
  });
});
