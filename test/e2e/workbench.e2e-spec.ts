import { Case, QueuePages } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { actAs, asStaff, createTestCase } from '../support/cases';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTwoHospitals, TestHospital, TestPerson, testBlueprint } from '../support/tenants';
import { WebClient } from '../support/web-client';

/**
 * The coordinator's workbench (issue 25): the console home's counts per role, the queue's columns, search, sort,
 * keyset pages, saved filters and bulk actions, acceptance refused while nobody could review a case, and capacity
 * (only capacity) overridden with a reason that is kept and audited. The other hospital sees none of it.
 */
describe('coordinator workbench', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let coordinator: WebClient;
  let zelda: TestPerson;

  const caseRow = (id: string) => app.get(TenantDatabase).forTenant(a.id, (tx) => tx.findOneByOrFail(Case, { id }));
  /** The hospital's one physician, with what the roster says of them (accepting, capacity). */
  const setPhysician = (doc: { accepting_new_cases?: boolean; weekly_capacity?: number }) => {
    const base = testBlueprint(a.slug);
    return applyTestBlueprint(app, { ...base, physicians: [{ ...base.physicians![0], ...doc }] });
  };
  /** The page as a browser reads its attributes (handlebars escapes `=` in them). */
  const html = (page: { text: string }) => page.text.replace(/&#x3D;/g, '=');
  const numbersOn = (html: string) =>
    [...html.matchAll(/<a href="\/console\/cases\/[0-9a-f-]{36}" translate="no">([^<]+)<\/a>/g)].map((m) => m[1]);

  beforeAll(async () => {
    app = await createTestApp({}, { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] }, { domains: true });
    ({ a, b } = await createTwoHospitals(app));
    // A second patient with a name and address of her own, made as the test factory makes the first.
    zelda = await app.get(TenantDatabase).forTenant(a.id, async (tx) => {
      const email = `zelda.quartz.${a.slug}@example.org`;
      const [row]: { id: string }[] = await tx.query(
        `INSERT INTO accounts (tenant_id, kind, email, name, email_verified_at) VALUES ($1, 'patient', $2, 'Zelda Quartz', now()) RETURNING id`,
        [a.id, email],
      );
      return { id: row.id, email };
    });
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
  });

  afterAll(() => app.close());

  it('opens the console on what waits, each count a link to exactly those cases', async () => {
    const sent = await createTestCase(app, a, { state: 'submitted' });
    const page = await coordinator.get('/console');
    expect(page.status).toBe(200);
    const home = html(page);
    const newCount = /href="\/console\/cases\?state=submitted"[^>]*>(\d+) new request/.exec(home);
    expect(Number(newCount?.[1])).toBeGreaterThanOrEqual(1);
    expect(home).toContain('href="/console/cases?state=accepted&amp;assignee=none"');
    expect(home).toContain('href="/console/funding"');
    expect(home).not.toContain('This month');
    const queue = await coordinator.get('/console/cases?state=submitted');
    expect(numbersOn(queue.text)).toContain(sent.number);
    expect(numbersOn(queue.text)).toHaveLength(Number(newCount![1]));

    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    const adminHome = (await admin.get('/console')).text;
    expect(adminHome).toMatch(/This month[\s\S]*\d+ requests? sent/);
    expect(adminHome).toMatch(/href="\/console\/launch">\d of 7 launch steps done/);
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const mine = await physician.get('/console');
    expect(mine.text).toContain('Your cases');
    expect(mine.text).not.toContain('new request');
    expect(mine.text).not.toContain('launch steps');
  });

  it('shows who, what, whose and how long in the queue, and finds a case by number, name or email', async () => {
    const hers = await createTestCase(app, a, { state: 'submitted', patient: zelda });
    const other = await createTestCase(app, a, { state: 'submitted' });
    const queue = await coordinator.get('/console/cases');
    expect(queue.text).toContain('Zelda Quartz');
    expect(queue.text).toMatch(/Promised by/);
    expect(queue.text).toContain('nobody');

    for (const term of ['quartz', 'ZELDA Q', `zelda.quartz.${a.slug}`]) {
      const found = numbersOn((await coordinator.get(`/console/cases?q=${encodeURIComponent(term)}`)).text);
      expect(found).toEqual([hers.number]);
    }
    expect(numbersOn((await coordinator.get(`/console/cases?q=${encodeURIComponent(other.number)}`)).text)).toEqual([other.number]);
    // A patient renamed is found by the new name (the words follow the account).
    expect(numbersOn((await coordinator.get('/console/cases?q=marble')).text)).toEqual([]);
    await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.query(`UPDATE accounts SET name = 'Zelda Marble' WHERE id = $1`, [zelda.id]));
    expect(numbersOn((await coordinator.get('/console/cases?q=marble')).text)).toEqual([hers.number]);
    expect(numbersOn((await coordinator.get('/console/cases?q=zelda%20marble')).text)).toEqual([hers.number]);
    await app.get(TenantDatabase).forTenant(a.id, (tx) => tx.query(`UPDATE accounts SET name = 'Zelda Quartz' WHERE id = $1`, [zelda.id]));
    // Wildcards are text, not patterns.
    expect(numbersOn((await coordinator.get('/console/cases?q=%25%25%25')).text)).toEqual([]);

    // The other hospital's coordinator finds nothing of it, by any word, and its page is a 404.
    const otherCoordinator = new WebClient(app, b.host);
    await signInStaff(otherCoordinator, b.people.coordinator);
    expect(numbersOn((await otherCoordinator.get('/console/cases?q=quartz&state=all')).text)).toEqual([]);
    expect(numbersOn((await otherCoordinator.get(`/console/cases?q=${encodeURIComponent(hers.number)}&state=all`)).text)).toEqual([]);
    expect((await otherCoordinator.get(`/console/cases/${hers.id}`)).status).toBe(404);
  });

  it('sorts by a column and walks the pages by cursor, each case once; a cut cursor is refused beside the queue', async () => {
    for (let i = 0; i < 3; i++) await createTestCase(app, a, { state: 'submitted' });
    const pages = app.get(QueuePages);
    const coordinatorActor = asStaff(a.people.coordinator, 'coordinator');
    const walk = async (sort: 'age' | 'promise' | 'due', dir: 'asc' | 'desc') => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await actAs(app, a, coordinatorActor, () => pages.page({ sort, dir, cursor, limit: 2 }, coordinatorActor, 'en'));
        seen.push(...page.rows.map((r) => r.id));
        cursor = page.next ?? undefined;
      } while (cursor);
      return seen;
    };
    const all = await actAs(app, a, coordinatorActor, () => pages.page({ sort: 'age', limit: 200 }, coordinatorActor, 'en'));
    const byAge = await walk('age', 'asc');
    expect(byAge).toEqual(all.rows.map((r) => r.id));
    expect(new Set(byAge).size).toBe(byAge.length);
    expect(await walk('age', 'desc')).toEqual([...byAge].reverse());
    expect((await walk('promise', 'asc')).sort()).toEqual([...byAge].sort());

    const page = html(await coordinator.get('/console/cases?sort=age&dir=desc'));
    expect(page).toMatch(/aria-sort="descending"><a href="\/console\/cases\?sort=age&amp;dir=asc">/);
    const cut = await coordinator.get('/console/cases?cursor=not-a-cursor');
    expect(cut.status).toBe(400);
    expect(cut.text).toContain('This page link is no longer valid');
    const madeUp = await coordinator.get('/console/cases?state=limbo&q=kept%20words');
    expect(madeUp.status).toBe(400);
    expect(madeUp.text).toContain('value="kept words"');
  });

  it('keeps each staff member’s saved filters to themselves', async () => {
    const saved = await coordinator.post('/console/cases/filters', {
      name: 'Records chase',
      query: 'state=awaiting_records&cursor=x&sort=age',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/console/cases?state=awaiting_records&cursor=x&sort=age');
    const queue = await coordinator.get('/console/cases');
    expect(html(queue)).toContain('href="/console/cases?state=awaiting_records&amp;sort=age" translate="no">Records chase</a>');
    const again = await coordinator.post('/console/cases/filters', { name: 'Records chase', query: '' });
    expect(again.status).toBe(400);
    expect(again.text).toContain('You already have a filter with this name.');

    const admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    expect((await admin.get('/console/cases')).text).not.toContain('Records chase');
    const id = /action="\/console\/cases\/filters\/([0-9a-f-]{36})\/delete"/.exec(queue.text)![1];
    expect((await admin.post(`/console/cases/filters/${id}/delete`, {})).status).toBe(404);
    const otherCoordinator = new WebClient(app, b.host);
    await signInStaff(otherCoordinator, b.people.coordinator);
    expect((await otherCoordinator.post(`/console/cases/filters/${id}/delete`, {})).status).toBe(404);
    expect((await coordinator.post(`/console/cases/filters/${id}/delete`, {})).status).toBe(303);
    expect((await coordinator.get('/console/cases')).text).not.toContain('Records chase');
  });

  it('assigns several cases at once and asks several patients for records, skipping what a case does not allow', async () => {
    const accepted = [await createTestCase(app, a, { state: 'accepted' }), await createTestCase(app, a, { state: 'accepted' })];
    const inTriage = await createTestCase(app, a, { state: 'triage' });
    const physicianId = /<option value="([0-9a-f-]{36})" translate="no"/.exec((await coordinator.get('/console/cases')).text)![1];

    const none = await coordinator.post('/console/cases/bulk', { action: 'assign', physician_id: physicianId, back: '' });
    expect(none.status).toBe(400);
    expect(none.text).toContain('Tick at least one case in the list.');

    const res = await coordinator.post('/console/cases/bulk', {
      action: 'assign',
      physician_id: physicianId,
      cases: [...accepted.map((c) => c.id), inTriage.id],
      back: 'state=accepted',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/cases?state=accepted&done=2&skipped=1');
    for (const c of accepted) expect((await caseRow(c.id)).state).toBe('assigned');
    expect((await caseRow(inTriage.id)).state).toBe('triage');
    expect((await coordinator.get(res.headers.location)).text).toContain('2 cases done; 1 left as it was');

    const noReason = await coordinator.post('/console/cases/bulk', { action: 'request_records', cases: [inTriage.id], reason: '' });
    expect(noReason.status).toBe(400);
    const asked = await coordinator.post('/console/cases/bulk', {
      action: 'request_records',
      cases: [inTriage.id, accepted[0].id],
      reason: 'The pathology report',
    });
    expect(asked.headers.location).toContain('done=2');
    expect((await caseRow(inTriage.id)).state).toBe('awaiting_records');
    expect((await coordinator.get(`/console/cases/${accepted[0].id}`)).text).toContain('More records asked for');
    // Another hospital's case id is skipped like any refused one, and nothing of it changes.
    const theirs = await createTestCase(app, b, { state: 'accepted' });
    const crossed = await coordinator.post('/console/cases/bulk', { action: 'assign', physician_id: physicianId, cases: [theirs.id] });
    expect(crossed.headers.location).toContain('done=0&skipped=1');
  });

  it('refuses acceptance while nobody could review the case, and lets capacity alone be overridden with a reason', async () => {
    const waiting = await createTestCase(app, a, { state: 'triage' });
    await setPhysician({ accepting_new_cases: false });
    try {
      const refused = await coordinator.post(`/console/cases/${waiting.id}/move`, { move: 'accept' });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('No physician on the roster can take this case now');
      expect((await caseRow(waiting.id)).state).toBe('triage');
      // Capacity 0: every open case is over it, so capacity is their one blocker; a coordinator may override it.
      await setPhysician({ accepting_new_cases: true, weekly_capacity: 0 });
      expect((await coordinator.post(`/console/cases/${waiting.id}/move`, { move: 'accept' })).status).toBe(303);
      const page = await coordinator.get(`/console/cases/${waiting.id}`);
      expect(page.text).toMatch(/Cannot take it:<\/strong> At capacity/);
      expect(page.text).toContain('Assign over capacity');
      // Assignment is the next action: its panel comes before the request's details.
      expect(page.text.indexOf('id="assignment"')).toBeLessThan(page.text.indexOf('id="patient-title"'));
      const physicianId = /class="suggestion" data-physician="([0-9a-f-]{36})"/.exec(page.text)![1];
      expect((await coordinator.post(`/console/cases/${waiting.id}/assign`, { physician_id: physicianId })).status).toBe(400);
      const blank = await coordinator.post(`/console/cases/${waiting.id}/assign-over-capacity`, {
        physician_id: physicianId,
        override_reason: ' ',
      });
      expect(blank.status).toBe(400);
      expect(blank.text).toContain('Say why this physician takes the case over capacity.');
      const done = await coordinator.post(`/console/cases/${waiting.id}/assign-over-capacity`, {
        physician_id: physicianId,
        override_reason: 'Dr agreed by phone',
      });
      expect(done.status).toBe(303);
      expect((await caseRow(waiting.id)).state).toBe('assigned');
      expect((await coordinator.get(`/console/cases/${waiting.id}`)).text).toMatch(
        /Assigned over the physician’s capacity[^“]*“Dr agreed by phone”/,
      );
      const audit = await app
        .get(TenantDatabase)
        .forTenant(a.id, (tx): Promise<{ outcome: string }[]> =>
          tx.query(`SELECT outcome FROM audit_events WHERE action = 'case.assign_over_capacity' AND entity_id = $1`, [waiting.id]),
        );
      expect(audit.map((r) => r.outcome)).toEqual(['allowed', 'allowed']);
    } finally {
      await setPhysician({ accepting_new_cases: true, weekly_capacity: 20 });
    }
  });
});
