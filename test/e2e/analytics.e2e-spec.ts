import { AnalyticsModule, readAnalyticsSettings, RollupRefresher } from '@consilium/analytics';
import { parseCsv } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { insertCase, insertVisit, tableCells, TenantIds, tenantIds } from '../support/analytics-data';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { applyTestBlueprint, createTestTenant, createTwoHospitals, testBlueprint, TestHospital, TestPeople } from '../support/tenants';
import { textsOutsideViewBox } from '../support/svg-bounds';
import { WebClient } from '../support/web-client';

/**
 * A crafted hospital whose every figure was computed by hand (the comments say how), checked on the page and in the
 * CSV; coordinators see operational figures only; the other hospital sees none of it.
 */
describe('conversion analytics dashboard', () => {
  let app: NestFastifyApplication;
  let a: TestHospital;
  let b: TestHospital;
  let peopleA: TestPeople;
  let peopleB: TestPeople;
  let idsA: TenantIds;
  let idsB: TenantIds;
  let admin: WebClient;
  const Q1 = 'from=2026-01-01&to=2026-03-31';

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, AnalyticsModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'] } }));
    peopleA = a.people;
    peopleB = b.people;
    idsA = await tenantIds(app, a);
    idsB = await tenantIds(app, b);
    const v1 = randomUUID();
    const v2 = randomUUID();
    await app.get(OperatorDatabase).forTenant(a.id, async (tx) => {
      // Visits in the quarter: 6 from the spring campaign (one of them V1's), 3 direct, and V2's direct one in March: 10.
      await insertVisit(tx, a.id, { visitorId: v1, at: '2026-01-09T15:00:00Z', utm: ['google', 'cpc', 'spring'] });
      for (let i = 0; i < 5; i++)
        await insertVisit(tx, a.id, { visitorId: randomUUID(), at: '2026-01-05T15:00:00Z', utm: ['google', 'cpc', 'spring'] });
      for (let i = 0; i < 3; i++) await insertVisit(tx, a.id, { visitorId: randomUUID(), at: '2026-01-06T15:00:00Z' });
      await insertVisit(tx, a.id, { visitorId: v2, at: '2026-03-14T15:00:00Z' });
      await insertVisit(tx, a.id, { visitorId: randomUUID(), at: '2025-12-20T15:00:00Z' }); // before the period
      await tx.query(`INSERT INTO analytics_settings (tenant_id, monthly_cost_minor, procedure_estimates) VALUES ($1, 100000, $2)`, [
        a.id,
        { [idsA.specialtyId]: 250000 },
      ]);
    });
    await app.get(OperatorDatabase).forTenant(a.id, async (tx) => {
      // C1: spring campaign, in-state, 72 h turnaround, on time; paid $650 with a $150 add-on; refined, treatment changed;
      // consult and a $10,000 procedure; acted at 30 days (5/5), partly at 90 (4/5).
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2026-01-10T15:00:00Z',
        visitorId: v1,
        jurisdiction: 'US-NY',
        jurisdictionClass: 'in_state',
        physician: true,
        dueAt: '2026-01-20T00:00:00Z',
        events: [
          ['submit', '2026-01-10T16:00:00Z'],
          ['start_triage', '2026-01-11T10:00:00Z'],
          ['accept', '2026-01-12T14:00:00Z'],
          ['deliver', '2026-01-15T14:00:00Z'],
        ],
        quote: { lines: [50000, 15000], addOns: 1 },
        payment: { amount: 65000, captured: 65000 },
        opinion: { agreement: 'refined', treatmentChanged: true },
        stipend: 20000,
        extra: 7500,
        conversions: [
          { kind: 'consult_booked' },
          { kind: 'procedure_scheduled', value: 900000 },
          { kind: 'procedure_done', value: 1000000 },
        ],
        checkIns: [
          { day: 30, acted: 'yes', satisfaction: 5 },
          { day: 90, acted: 'partly', satisfaction: 4 },
        ],
      });
      // C2: out of state, 120 h, late; $450 paid + $100 funded; confirmed; a procedure with no value (estimate $2,500);
      // did not act at 30 days (3/5).
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2026-01-20T15:00:00Z',
        jurisdiction: 'US-NJ',
        jurisdictionClass: 'out_of_state',
        physician: true,
        dueAt: '2026-01-25T00:00:00Z',
        events: [
          ['submit', '2026-01-20T16:00:00Z'],
          ['accept', '2026-01-22T00:00:00Z'],
          ['deliver', '2026-01-27T00:00:00Z'],
        ],
        quote: { lines: [50000, 5000], addOns: 0 },
        payment: { amount: 45000, funded: 10000, captured: 45000 },
        opinion: { agreement: 'confirmed', treatmentChanged: false },
        stipend: 20000,
        conversions: [{ kind: 'procedure_scheduled' }],
        checkIns: [{ day: 30, acted: 'no', satisfaction: 3 }],
      });
      // C3: international, declined, its authorization never captured.
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2026-02-05T15:00:00Z',
        jurisdiction: 'MX',
        jurisdictionClass: 'international',
        events: [
          ['submit', '2026-02-05T16:00:00Z'],
          ['decline', '2026-02-06T16:00:00Z'],
        ],
        payment: { amount: 50000 },
      });
      // C4: accepted, not delivered yet; $500 captured, $200 refunded.
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2026-02-10T15:00:00Z',
        jurisdiction: 'US-NY',
        jurisdictionClass: 'in_state',
        physician: true,
        events: [
          ['submit', '2026-02-10T16:00:00Z'],
          ['accept', '2026-02-11T00:00:00Z'],
        ],
        quote: { lines: [50000], addOns: 0 },
        payment: { amount: 50000, captured: 50000, refunded: 20000 },
      });
      // C5: a draft started at 22:00 on Feb 28 in New York (March 1 in UTC): February's cohort.
      await insertCase(tx, a, idsA, peopleA, { createdAt: '2026-03-01T03:00:00Z' });
      // C7: the newsletter campaign on the case itself; 10 h turnaround; diagnosis and treatment changed; a consult.
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2026-01-25T15:00:00Z',
        jurisdiction: 'US-NY',
        jurisdictionClass: 'in_state',
        physician: true,
        dueAt: '2026-01-30T00:00:00Z',
        campaign: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'jan' },
        events: [
          ['submit', '2026-01-25T16:00:00Z'],
          ['accept', '2026-01-26T00:00:00Z'],
          ['deliver', '2026-01-26T10:30:00Z'],
        ],
        opinion: { agreement: 'changed', treatmentChanged: true },
        stipend: 20000,
        conversions: [{ kind: 'consult_booked' }],
      });
      // C8: V2's draft in March (direct visit: no campaign).
      await insertCase(tx, a, idsA, peopleA, { createdAt: '2026-03-15T15:00:00Z', visitorId: v2 });
      // C6: delivered, but started before the period.
      await insertCase(tx, a, idsA, peopleA, {
        createdAt: '2025-12-31T15:00:00Z',
        jurisdiction: 'US-CA',
        jurisdictionClass: 'out_of_state',
        physician: true,
        events: [
          ['submit', '2025-12-31T16:00:00Z'],
          ['accept', '2026-01-02T00:00:00Z'],
          ['deliver', '2026-01-05T00:00:00Z'],
        ],
        payment: { amount: 99900, captured: 99900 },
        opinion: { agreement: 'changed', treatmentChanged: true },
        stipend: 20000,
      });
    });
    await app.get(OperatorDatabase).forTenant(b.id, async (tx) => {
      await insertCase(tx, b, idsB, peopleB, {
        createdAt: '2026-01-15T15:00:00Z',
        jurisdiction: 'US-NY',
        jurisdictionClass: 'in_state',
        physician: true,
        events: [['submit', '2026-01-15T16:00:00Z']],
        payment: { amount: 77700, captured: 77700 },
      });
    });
    admin = new WebClient(app, a.host);
    await signInStaff(admin, peopleA.admin);
  });

  afterAll(() => app.close());

  it('writes percentages and hours as the reader’s language does (“70,0 %” in French)', async () => {
    const reader = new WebClient(app, a.host);
    reader.cookies.set('lang', 'fr');
    await signInStaff(reader, peopleA.admin);
    const french = await reader.get(`/console/analytics?${Q1}`);
    expect(french.status).toBe(200);
    expect(tableCells(french.text, 'funnel').map((row) => row[2])).toEqual(
      ['–', '70,0', '71,4', '80,0', '75,0', '0,0', '66,7', '100,0'].map((n) => (n === '–' ? n : `${n}\u00a0%`)),
    );
    expect(tableCells(french.text, 'turnaround')[0].slice(1, 3)).toEqual(['72 h (3 d)', '120 h (5 d)']);
    expect(french.text).not.toContain('70.0%');
  });

  it('shows the hand-computed funnel, breakdowns, turnaround and reach for the quarter', async () => {
    const page = await admin.get(`/console/analytics?${Q1}`);
    expect(page.status).toBe(200);
    // started 7 of 10 visits; 5 submitted; 4 accepted; 3 delivered; 2 consults; 2 procedures.
    expect(tableCells(page.text, 'funnel')).toEqual([
      ['Visits to the site', '10', '–'],
      ['Intake started', '7', '70.0%'],
      ['Request submitted', '5', '71.4%'],
      ['Accepted', '4', '80.0%'],
      ['Opinion delivered', '3', '75.0%'],
      ['Appointment requested', '0', '0.0%'],
      ['Consult booked', '2', '66.7%'],
      ['Procedure', '2', '100.0%'],
    ]);
    // Turnarounds 10, 72, 120 h: p50 72 h, p90 120 h; 2 of 3 on time.
    expect(tableCells(page.text, 'turnaround')).toEqual([['3', '72 h (3 d)', '120 h (5 d)', '3', '66.7%']]);
    // Places by name: a state is never confused with the country that shares its code.
    expect(tableCells(page.text, 'reach')).toEqual([
      ['New York', '3', '60.0%'],
      ['Mexico', '1', '20.0%'],
      ['New Jersey', '1', '20.0%'],
    ]);
    expect(tableCells(page.text, 'reach_classes')).toEqual([['3', '1', '1', '40.0%']]);
    expect(tableCells(page.text, 'campaign')).toEqual([
      ['No campaign (direct, search, referral)', '5', '3', '2', '1', '0', '1', '0.0%', '0.0%'],
      ['google / cpc / spring', '1', '1', '1', '1', '1', '1', '100.0%', '100.0%'],
      ['newsletter / email / jan', '1', '1', '1', '1', '1', '0', '100.0%', '100.0%'],
    ]);
    expect(tableCells(page.text, 'series')).toEqual([
      ['2026-01', '9', '3', '3', '3', '2', '2'],
      ['2026-02', '0', '3', '2', '0', '0', '0'],
      ['2026-03', '1', '1', '0', '0', '0', '0'],
    ]);
  });

  it('shows outcomes beside the published references, money with ROI, and follow-through', async () => {
    const page = await admin.get(`/console/analytics?${Q1}`);
    expect(tableCells(page.text, 'outcomes')).toEqual([
      ['Diagnosis confirmed (Mayo Clinic 2017)', '1', '33.3%', '12.0%'],
      ['Diagnosis refined (Mayo Clinic 2017)', '1', '33.3%', '66.0%'],
      ['Diagnosis changed (Mayo Clinic 2017)', '1', '33.3%', '21.0%'],
      ['Diagnosis changed (national program, 6,791 cases)', '1', '33.3%', '14.8%'],
      ['Treatment changed (national program, 6,791 cases)', '2', '66.7%', '37.4%'],
    ]);
    // Captured 650 + 450 + 500 = 1,600 (3 payments), 200 refunded, no platform fee in this hospital's payments;
    // card fees 2.9% x 1,600 + 3 x 0.30 = 47.30; net 1,352.70. Funded 100 (shown, not revenue); a $75 extra.
    // Downstream at the default 30% margin: 10,000 recorded (done wins over scheduled) -> 3,000; 1 unvalued
    // procedure x 2,500 -> 750. Cost: 3 x 1,000 fixed, no campaign spend, 3 stipends of 200 = 3,600.
    // Net 1,352.70 + 75 + 3,000 + 750 - 3,600 = 1,577.70, 43.8% of cost; payback 3,600 / (5,177.70 a quarter / 2.96
    // months) = 2.1 months.
    expect(tableCells(page.text, 'money').map((r) => r[1])).toEqual([
      '$1,600',
      '-$200',
      '$0',
      '-$47.30',
      '$1,352.70',
      '$100',
      '$75',
      '$3,000',
      '$750',
      '-$3,000',
      '$0',
      '-$600',
      '-$3,600',
      '$1,577.70',
      '43.8%',
      '2.1',
    ]);
    expect(tableCells(page.text, 'money')[8][2]).toBe(
      '1 procedure recorded without a value, at its specialty’s estimate ($2,500) × the margin (default 30%).',
    );
    expect(tableCells(page.text, 'follow_through')).toEqual([
      ['30 days', '2', '50.0%', '0.0%'],
      ['90 days', '1', '0.0%', '100.0%'],
    ]);
    expect(tableCells(page.text, 'satisfaction')).toEqual([['3', '4']]);
    expect(page.text).toContain('<svg class="chart" role="img"');
    // Every word on the page is translated, in English and in Spanish (a missing key would show itself).
    for (const lang of ['en', 'es'])
      expect((await admin.get(`/console/analytics?${Q1}`, { 'accept-language': lang })).text).not.toMatch(
        /\b(analytics|identity|core)\.[a-z_]+\.?[a-z_0-9]*\b/,
      );
    const es = await admin.get(`/console/analytics?${Q1}`, { 'accept-language': 'es' });
    expect(es.text).toContain('Embudo');
    expect(tableCells(es.text, 'funnel')[1][0]).toBe('Admisión iniciada');
  });

  it('exports every table as CSV with the same figures', async () => {
    const funnel = await admin.get(`/console/analytics/export/funnel?${Q1}`);
    expect(funnel.headers['content-type']).toContain('text/csv');
    expect(funnel.headers['content-disposition']).toContain('analytics-funnel-2026-01-01-to-2026-03-31.csv');
    expect(parseCsv(funnel.text).filter((r) => r.length > 1)).toEqual([
      ['Step', 'Count', 'From previous step'],
      ['Visits to the site', '10', ''],
      ['Intake started', '7', '70.0'],
      ['Request submitted', '5', '71.4'],
      ['Accepted', '4', '80.0'],
      ['Opinion delivered', '3', '75.0'],
      ['Appointment requested', '0', '0.0'],
      ['Consult booked', '2', '66.7'],
      ['Procedure', '2', '100.0'],
    ]);
    const money = parseCsv((await admin.get(`/console/analytics/export/money?${Q1}`)).text).filter((r) => r.length > 1);
    expect(money.slice(1).map((r) => r[1])).toEqual([
      '1600.00',
      '-200.00',
      '0.00',
      '-47.30',
      '1352.70',
      '100.00',
      '75.00',
      '3000.00',
      '750.00',
      '-3000.00',
      '0.00',
      '-600.00',
      '-3600.00',
      '1577.70',
      '43.8',
      '2.1',
    ]);
    const page = await admin.get(`/console/analytics?${Q1}`);
    for (const id of [...page.text.matchAll(/data-table="([a-z_]+)"/g)].map((m) => m[1])) {
      const csv = await admin.get(`/console/analytics/export/${id}?${Q1}`);
      expect(csv.status).toBe(200);
      expect(parseCsv(csv.text).filter((r) => r.length > 1 || r[0]).length).toBe(
        tableCells(page.text, id).filter((r) => r.length > 1).length + 1,
      );
    }
  });

  it('filters by specialty, physician, campaign and place, and cuts days in the hospital time zone', async () => {
    const physician = tableCells((await admin.get(`/console/analytics?${Q1}&physician=${idsA.physicianId}`)).text, 'funnel');
    // Assigned to the physician: C1, C2, C4, C7. Visits carry no physician, so they are not counted.
    expect(physician.map((r) => r[1])).toEqual(['n/a', '4', '4', '4', '3', '0', '2', '2']);
    const spring = tableCells(
      (await admin.get(`/console/analytics?${Q1}&campaign=${encodeURIComponent('google / cpc / spring')}`)).text,
      'funnel',
    );
    expect(spring.map((r) => r[1])).toEqual(['6', '1', '1', '1', '1', '0', '1', '1']);
    const abroad = tableCells((await admin.get(`/console/analytics?${Q1}&class=international`)).text, 'funnel');
    expect(abroad.map((r) => r[1])).toEqual(['n/a', '1', '1', '0', '0', '0', '0', '0']);
    const specialty = tableCells((await admin.get(`/console/analytics?${Q1}&specialty=${idsA.specialtyId}`)).text, 'funnel');
    expect(specialty.map((r) => r[1])).toEqual(['n/a', '7', '5', '4', '3', '0', '2', '2']);
    // February in New York: C3, C4 and the draft started late on the 28th.
    const feb = tableCells((await admin.get('/console/analytics?from=2026-02-01&to=2026-02-28')).text, 'funnel');
    expect(feb.map((r) => r[1])).toEqual(['0', '3', '2', '1', '0', '0', '0', '0']);
    // A short period is read day by day: C1 (Jan 10) and C2 (Jan 20).
    const days = await admin.get('/console/analytics?from=2026-01-10&to=2026-01-20');
    expect(tableCells(days.text, 'funnel').map((r) => r[1])).toEqual(['0', '2', '2', '2', '2', '0', '1', '2']);
    expect(tableCells(days.text, 'turnaround')).toEqual([['2', '72 h (3 d)', '120 h (5 d)', '2', '50.0%']]);
    expect((await admin.get('/console/analytics?from=2026-02-30')).status).toBe(400);
  });

  it('follows changes: a new event, a reassignment and a refund show on the next view', async () => {
    await app.get(OperatorDatabase).forTenant(a.id, async (tx) => {
      const [c4] = await tx.query(
        `SELECT c.id FROM cases c JOIN case_events e ON e.tenant_id = c.tenant_id AND e.case_id = c.id AND e.type = 'accept' AND e.occurred_at = '2026-02-11T00:00:00Z' WHERE c.tenant_id = $1`,
        [a.id],
      );
      await tx.query(
        `INSERT INTO case_events (tenant_id, case_id, seq, type, actor_kind, occurred_at) VALUES ($1, $2, 10, 'deliver', 'system', '2026-02-13T00:00:00Z')`,
        [a.id, c4.id],
      );
      await tx.query(`UPDATE payments SET refunded_minor = 50000, status = 'refunded' WHERE tenant_id = $1 AND case_id = $2`, [
        a.id,
        c4.id,
      ]);
    });
    const page = await admin.get(`/console/analytics?${Q1}`);
    expect(tableCells(page.text, 'funnel')[4]).toEqual(['Opinion delivered', '4', '100.0%']);
    // C4 delivered 48 h after acceptance: 10, 48, 72, 120 -> p50 48 h.
    expect(tableCells(page.text, 'turnaround')[0].slice(0, 3)).toEqual(['4', '48 h (2 d)', '120 h (5 d)']);
    expect(tableCells(page.text, 'money')[1][1]).toBe('-$500');
    await app.get(OperatorDatabase).forTenant(a.id, async (tx) => {
      const [c4] = await tx.query(`SELECT case_id FROM payments WHERE tenant_id = $1 AND status = 'refunded'`, [a.id]);
      await tx.query(`UPDATE payments SET refunded_minor = 20000, status = 'partially_refunded' WHERE tenant_id = $1 AND case_id = $2`, [
        a.id,
        c4.case_id,
      ]);
    });
    expect(tableCells((await admin.get(`/console/analytics?${Q1}`)).text, 'money')[1][1]).toBe('-$200');
    // C7 unassigned: the physician's row loses it, "not assigned" gains it.
    const unassign = (physicianId: string | null) =>
      app
        .get(OperatorDatabase)
        .forTenant(a.id, (tx) =>
          tx.query(`UPDATE cases SET assigned_physician_id = $2 WHERE tenant_id = $1 AND campaign->>'utm_source' = 'newsletter'`, [
            a.id,
            physicianId,
          ]),
        );
    await unassign(null);
    expect(tableCells((await admin.get(`/console/analytics?${Q1}&physician=${idsA.physicianId}`)).text, 'funnel')[1][1]).toBe('3');
    expect(tableCells((await admin.get(`/console/analytics?${Q1}&physician=none`)).text, 'funnel')[1][1]).toBe('4');
    await unassign(idsA.physicianId);
    expect(tableCells((await admin.get(`/console/analytics?${Q1}&physician=${idsA.physicianId}`)).text, 'funnel')[1][1]).toBe('4');
  });

  it('shows coordinators the operational figures only', async () => {
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const page = await coordinator.get(`/console/analytics?${Q1}`);
    expect(page.status).toBe(200);
    expect(tableCells(page.text, 'funnel')[1]).toEqual(['Intake started', '7', '70.0%']);
    expect(page.text).not.toContain('data-table="money"');
    expect(page.text).not.toContain('data-table="outcomes"');
    expect(page.text).not.toContain('$1,400');
    expect((await coordinator.get(`/console/analytics/export/money?${Q1}`)).status).toBe(404);
    expect((await coordinator.get(`/console/analytics/export/funnel?${Q1}`)).status).toBe(200);
    await coordinator.get('/console/analytics');
    expect((await coordinator.post('/console/analytics/settings', { monthly_cost: '1' })).status).toBe(403);
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, peopleA.physician);
    expect((await physician.get('/console/analytics')).status).toBe(403);
  });

  it('lets admins set the monthly cost and procedure estimates', async () => {
    await admin.get('/console/analytics');
    const bad = await admin.post('/console/analytics/settings', { monthly_cost: 'a lot' });
    expect(bad.status).toBe(400);
    await admin.get('/console/analytics');
    expect(
      (await admin.post('/console/analytics/settings', { monthly_cost: '2000', [`estimate_${idsA.specialtyId}`]: '2500' })).status,
    ).toBe(303);
    const money = tableCells((await admin.get(`/console/analytics?${Q1}`)).text, 'money');
    expect(money[9][1]).toBe('-$6,000');
    await admin.get('/console/analytics');
    expect((await admin.post('/console/analytics/settings', { monthly_cost: '1000', [`estimate_${idsB.specialtyId}`]: '1' })).status).toBe(
      404,
    );
    await admin.get('/console/analytics');
    await admin.post('/console/analytics/settings', { monthly_cost: '1000', [`estimate_${idsA.specialtyId}`]: '2500' });
  });

  it('opens on a summary strip beside the previous period, and marks periods too young to have converted', async () => {
    const page = await admin.get(`/console/analytics?${Q1}`);
    const figures = Object.fromEntries(
      [...page.text.matchAll(/data-figure="([a-z]+)"[\s\S]*?<strong>([^<]*)<\/strong> <span class="muted">([^<]*)<\/span>/g)].map((m) => [
        m[1],
        [m[2], m[3]],
      ]),
    );
    // Q1 against the 90 days before it, where only C6 (started Dec 31, delivered, no conversion) falls. C4 was
    // delivered by the test before: 4 opinions.
    expect(figures.requests).toEqual(['5', 'Previous period: 1']);
    expect(figures.opinions).toEqual(['4', 'Previous period: 1']);
    expect(figures.conversions).toEqual(['3', 'Previous period: 0']);
    expect(figures.net).toEqual(['$1,577.70', expect.stringMatching(/^Previous period: /)]);
    expect(figures.return).toEqual(['43.8%', expect.stringMatching(/^Previous period: /)]);
    expect(figures.payback[0]).toBe('2.1 months');
    // The strip comes before the filter and every table.
    expect(page.text.indexOf('data-summary')).toBeLessThan(page.text.indexOf('class="filters"'));
    expect(page.text).not.toContain('still converting');
    // The default period runs to today: its newest requests may still convert, and the strip says so.
    expect((await admin.get('/console/analytics')).text).toContain('still converting');
    // Coordinators see the counts, not the money.
    const coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, peopleA.coordinator);
    const theirs = await coordinator.get(`/console/analytics?${Q1}`);
    expect(theirs.text).toContain('data-figure="conversions"');
    expect(theirs.text).not.toContain('data-figure="net"');
  });

  it('takes campaign spend typed or imported (errors by line and column), and charges it per request and conversion', async () => {
    await admin.get('/console/analytics/spend');
    const refused = await admin.post('/console/analytics/spend', { campaign: 'google / cpc / spring', month: 'March', amount: '300' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Enter the month as year and month, like 2026-03.');
    expect(refused.text).toContain('value="google / cpc / spring"');
    await admin.get('/console/analytics/spend');
    expect(
      (await admin.post('/console/analytics/spend', { campaign: 'google / cpc / spring', month: '2026-01', amount: '300.00' })).status,
    ).toBe(303);
    await admin.get('/console/analytics/spend');
    const bad = await admin.post('/console/analytics/spend/import', {
      csv: 'campaign,month,amount\nnewsletter / email / jan,2026-13,50\n,2026-02,abc\n',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Line 2, column month: Enter the month as year and month, like 2026-03.');
    expect(bad.text).toContain('Line 3, column campaign: Enter the campaign, as analytics names it.');
    expect(bad.text).toContain('Line 3, column amount: Enter an amount like 1500.00.');
    expect(bad.text).toContain('2026-13'); // the file as sent, to fix
    await admin.get('/console/analytics/spend');
    const good = await admin.post('/console/analytics/spend/import', {
      csv: 'campaign,month,amount\n"newsletter / email / jan",2026-01,150.00\nnewsletter / email / jan,2026-02,"1,50.00"\n',
    });
    expect(good.status).toBe(200);
    expect(good.text).toContain('2 months imported.');
    expect(tableCells(good.text, 'spend')).toEqual([
      ['newsletter / email / jan', '2026-02', '$150'],
      ['google / cpc / spring', '2026-01', '$300'],
      ['newsletter / email / jan', '2026-01', '$150'],
    ]);

    const page = await admin.get(`/console/analytics?${Q1}`);
    expect(tableCells(page.text, 'campaign_cost')).toEqual([
      ['google / cpc / spring', '$300', '1', '1', '$300', '$300'],
      ['newsletter / email / jan', '$300', '1', '1', '$300', '$300'],
    ]);
    const money = tableCells(page.text, 'money');
    // Spend 600 joins the fixed 3,000 and stipends 600: cost 4,200, net 5,177.70 - 4,200 = 977.70.
    expect(money[10][1]).toBe('-$600');
    expect(money[12][1]).toBe('-$4,200');
    expect(money[13][1]).toBe('$977.70');
    // One campaign's view carries its share of the cases (1 of 7) of the fixed cost and spend, and its own stipend:
    // 3,000 / 7 = 428.57, 600 / 7 = 85.71, + 200.
    const spring = tableCells(
      (await admin.get(`/console/analytics?${Q1}&campaign=${encodeURIComponent('google / cpc / spring')}`)).text,
      'money',
    );
    expect(spring[9][1]).toBe('-$428.57');
    expect(spring[10][1]).toBe('-$85.71');
    expect(spring[12]).toEqual([expect.any(String), '-$714.28', expect.stringContaining('14.3%')]);
  });

  it('takes the monthly cost and procedure values from the blueprint, once, and leaves them alone when it says nothing', async () => {
    // Only the blueprint's cost values are read back: a tenant without people is enough.
    const t = await createTestTenant(app);
    const specialty = `spec-${t.slug.slice(2)}`;
    const settings = () => app.get(TenantDatabase).forTenant(t.id, (tx) => readAnalyticsSettings(tx, t.id));
    const [{ id: specialtyId }] = await app
      .get(TenantDatabase)
      .forTenant(t.id, (tx) => tx.query(`SELECT id FROM specialties WHERE slug = $1`, [specialty]));
    const withValues = testBlueprint(t.slug, { analytics: { monthly_cost: '1234.00', procedure_values: { [specialty]: '5000.00' } } });
    expect((await applyTestBlueprint(app, withValues)).changes).toEqual([
      'set analytics monthly cost $0 -> $1,234',
      `set analytics procedure value ${specialty} none -> $5,000`,
    ]);
    expect(await settings()).toEqual({ monthlyCostMinor: 123400, procedureEstimates: { [specialtyId]: 500000 } });
    expect((await applyTestBlueprint(app, withValues)).changes).toEqual([]);
    // A blueprint without the key keeps what an admin set on the page.
    expect((await applyTestBlueprint(app, testBlueprint(t.slug))).changes).toEqual([]);
    expect((await settings()).monthlyCostMinor).toBe(123400);
    // The other hospital's settings are its own.
    expect(await app.get(TenantDatabase).forTenant(b.id, (tx) => readAnalyticsSettings(tx, t.id))).toEqual({
      monthlyCostMinor: 0,
      procedureEstimates: {},
    });
  });

  it("gives the other hospital none of these figures, and 404 for this hospital's ids", async () => {
    const adminB = new WebClient(app, b.host);
    await signInStaff(adminB, peopleB.admin);
    const page = await adminB.get(`/console/analytics?${Q1}`);
    expect(tableCells(page.text, 'funnel').map((r) => r[1])).toEqual(['0', '1', '1', '0', '0', '0', '0', '0']);
    expect(tableCells(page.text, 'money')[0][1]).toBe('$777');
    expect(page.text).not.toContain('spring');
    expect(page.text).not.toContain('New Jersey');
    const spend = await adminB.get('/console/analytics/spend');
    expect(spend.status).toBe(200);
    expect(spend.text).not.toContain('newsletter');
    expect((await adminB.get(`/console/analytics?${Q1}&physician=${idsA.physicianId}`)).status).toBe(404);
    expect((await adminB.get(`/console/analytics?${Q1}&specialty=${idsA.specialtyId}`)).status).toBe(404);
    expect((await adminB.get(`/console/analytics/export/funnel?${Q1}&physician=${idsA.physicianId}`)).status).toBe(404);
    // A's admin cannot read B's console at all.
    expect((await admin.get('/console/analytics', {})).text).not.toContain('$777');
    // Rollups themselves hold each tenant's rows only, under row-level security.
    await app.get(RollupRefresher).refresh(b.id);
    const rows = await app.get(TenantDatabase).forTenant(b.id, (tx) => tx.query(`SELECT DISTINCT tenant_id FROM analytics_cohorts`));
    expect(rows).toEqual([{ tenant_id: b.id }]);
  });

  it('lets admins set a contribution margin per specialty and the card fees, refusing a wrong percentage beside it', async () => {
    await admin.get('/console/analytics');
    const margin = `margin_${idsA.specialtyId}`;
    const base = { monthly_cost: '1000', [`estimate_${idsA.specialtyId}`]: '2500', fee_percent: '2.9', fee_fixed: '0.30' };
    const bad = await admin.post('/console/analytics/settings', { ...base, [margin]: '150' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a percentage from 0 to 100, like 30 or 2.9.');
    expect(bad.text).toContain('value="150"');
    await admin.get('/console/analytics');
    expect((await admin.post('/console/analytics/settings', { ...base, [margin]: '50', fee_percent: '3', fee_fixed: '0' })).status).toBe(
      303,
    );
    const money = tableCells((await admin.get(`/console/analytics?${Q1}`)).text, 'money');
    // 10,000 recorded and 2,500 estimated at 50%; card fees 3% of 1,600 and nothing fixed.
    expect(money[7][1]).toBe('$5,000');
    expect(money[8][1]).toBe('$1,250');
    expect(money[3][1]).toBe('-$48');
  });

  it('draws charts whose labels are never cut, in every language, with one bar per series and the running month apart', async () => {
    for (const lang of ['en', 'es', 'fr']) {
      const reader = new WebClient(app, a.host);
      reader.cookies.set('lang', lang);
      await signInStaff(reader, peopleA.admin);
      for (const path of [`/console/analytics?${Q1}`, '/console/analytics']) {
        const page = await reader.get(path);
        expect({ lang, path, outside: textsOutsideViewBox(page.text) }).toEqual({ lang, path, outside: [] });
        expect(page.text).not.toContain('…');
      }
    }
    const page = await admin.get(`/console/analytics?${Q1}`);
    const outcomes = /<figcaption>Outcomes[\s\S]*?<\/svg>/.exec(page.text)![0];
    const labels = [...outcomes.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]);
    const bars = outcomes
      .split('<g>')
      .slice(1)
      .map((g) => [...g.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]).join(' '));
    expect(new Set(bars).size).toBe(bars.length);
    expect(bars.filter((b) => b.startsWith('Changed, ours') || b.startsWith('Diagnosis changed, ours'))).toHaveLength(1);
    expect(labels.length).toBeGreaterThan(0);
    // A closed quarter has no running month; the default period (to today) has one, hatched and marked.
    expect(page.text).not.toContain('data-partial="true"');
    const current = await admin.get('/console/analytics');
    expect(current.text.match(/data-partial="true"/g)).toHaveLength(1);
    expect(current.text).toContain('(to date)');
    // The reach chart names places too.
    expect(/<figcaption>Submitted requests[\s\S]*?<\/svg>/.exec(page.text)![0]).toContain('New York');
  });
});
