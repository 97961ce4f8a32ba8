import {
  AnalyticsFilter,
  AnalyticsModule,
  MetricRows,
  MetricsReader,
  NONE_ID,
  RefreshRollupsHandler,
  RollupRefresher,
} from '@consilium/analytics';
import { TenantDatabase } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AnalyticsGenerator } from '../../apps/cli/src/generator/analytics-generator';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital, TestTenant } from '../support/tenants';

/**
 * Rollups are exact: on random datasets, after random changes of every kind the triggers watch, a time zone change
 * and writes racing a refresh, every figure read from the rollups equals the same figure computed from raw tables.
 */
describe('analytics rollups equal the raw computation', () => {
  let app: NestFastifyApplication;
  let tenant: TestHospital;
  let other: TestHospital;
  let random: () => number;

  // A small deterministic generator (mulberry32), so a failure can be replayed.
  const seeded = (seed: number) => () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];

  const tenantDb = () => app.get(TenantDatabase);
  const generator = () => new AnalyticsGenerator((id, work) => app.get(TenantDatabase).forTenant(id, work));

  async function read(t: TestTenant, filter: AnalyticsFilter): Promise<{ rollup: MetricRows; raw: MetricRows }> {
    return tenantDb().forTenant(t.id, async (tx) => {
      const [row] = await tx.query(`SELECT time_zone, currency FROM tenants WHERE id = $1`, [t.id]);
      const reader = new MetricsReader(tx, { id: t.id, timeZone: row.time_zone, currency: String(row.currency).trim() });
      return { rollup: await reader.fromRollups(filter), raw: await reader.fromRaw(filter) };
    });
  }

  async function randomFilters(t: TestTenant, n: number): Promise<AnalyticsFilter[]> {
    const dims = await tenantDb().forTenant(t.id, async (tx) => ({
      specialties: (await tx.query(`SELECT id FROM specialties`)).map((r: { id: string }) => r.id).concat([NONE_ID]),
      physicians: (await tx.query(`SELECT account_id AS id FROM physicians WHERE account_id IS NOT NULL`))
        .map((r: { id: string }) => r.id)
        .concat([NONE_ID]),
      campaigns: (await tx.query(`SELECT DISTINCT analytics_campaign_key(utm_source, utm_medium, utm_campaign) AS k FROM visits`)).map(
        (r: { k: string }) => r.k,
      ),
    }));
    const day = (offset: number) => new Date(Date.UTC(2026, 10, 27) - offset * 86400000).toISOString().slice(0, 10);
    // Unfiltered, each dimension alone (the pair rollups), and two at once (the detailed rollups), then at random.
    const filters: AnalyticsFilter[] = [
      { from: day(500), to: day(0) },
      { from: day(40), to: day(0) },
      { from: day(400), to: day(3), specialtyId: pick(dims.specialties) },
      { from: day(300), to: day(0), physicianId: pick(dims.physicians) },
      { from: day(200), to: day(9), campaign: pick(dims.campaigns) },
      { from: day(365), to: day(0), jurisdictionClass: pick(['in_state', 'out_of_state', 'international', '']) },
      { from: day(365), to: day(0), specialtyId: pick(dims.specialties), jurisdictionClass: 'in_state' },
    ];
    while (filters.length < n) {
      const a = Math.floor(random() * 480);
      const length = random() < 0.4 ? Math.floor(random() * 62) : Math.floor(random() * 400);
      const f: AnalyticsFilter = { from: day(a + length), to: day(a) };
      if (random() < 0.3) f.specialtyId = pick(dims.specialties);
      if (random() < 0.3) f.physicianId = pick(dims.physicians);
      if (random() < 0.3) f.campaign = pick(dims.campaigns);
      if (random() < 0.3) f.jurisdictionClass = pick(['in_state', 'out_of_state', 'international', '']);
      filters.push(f);
    }
    return filters;
  }

  async function expectExact(t: TestTenant, filters: AnalyticsFilter[]): Promise<void> {
    for (const filter of filters) {
      const { rollup, raw } = await read(t, filter);
      expect({ filter, rollup }).toEqual({ filter, rollup: raw });
    }
  }

  beforeAll(async () => {
    app = await createTestApp({}, { imports: [AnalyticsModule] });
    // Its people link the roster physician to a staff account: cases can be assigned.
    tenant = await createTestHospital(app);
    // A second specialty and offering, so breakdowns and filters have more than one of each.
    await app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
      const [s] = await tx.query(
        `INSERT INTO specialties (tenant_id, slug, name, summary) VALUES ($1, 'second-spec', '{"en":"Second specialty"}', '{"en":"For tests."}') RETURNING id`,
        [tenant.id],
      );
      await tx.query(
        `INSERT INTO offerings (tenant_id, specialty_id, slug, name, description, price_minor, currency, turnaround_business_days, follow_up_questions)
         VALUES ($1, $2, 'second-offering', '{"en":"Second review"}', '{"en":"For tests."}', 80000, 'USD', 7, 1)`,
        [tenant.id, s.id],
      );
      await tx.query(
        `INSERT INTO physician_specialties (tenant_id, physician_id, specialty_id) SELECT tenant_id, id, $2 FROM physicians WHERE tenant_id = $1`,
        [tenant.id, s.id],
      );
    });
    other = await createTestHospital(app);
  });

  afterAll(() => app.close());

  it('matches on a generated history, then after changes of every kind', async () => {
    random = seeded(20261127);
    const now = new Date('2026-11-27T12:00:00Z');
    await generator().generate({ tenantId: tenant.id, cases: 700, days: 480, seed: 3, batchSize: 300, now, visitsPerCase: 2 });
    await generator().generate({ tenantId: other.id, cases: 80, days: 200, seed: 4, now });
    await app.get(RollupRefresher).refresh(tenant.id, { batchSize: 250 });
    await app.get(RollupRefresher).refresh(other.id);
    const filters = await randomFilters(tenant, 24);
    // The history has something in every measure, or equality would prove little.
    const { raw } = await read(tenant, filters[0]);
    expect(raw.total.started).toBe(700);
    for (const [measure, value] of Object.entries(raw.total)) expect([measure, value > 0]).toEqual([measure, true]);
    expect(Object.keys(raw.turnaround).length).toBeGreaterThan(20);
    expect(Object.keys(raw.reach).length).toBeGreaterThan(5);
    expect(Object.keys(raw.byCampaign).length).toBeGreaterThan(3);
    await expectExact(tenant, filters);

    // Changes: deliveries, reassignments, offerings and their specialty, refunds, amended opinions, conversions, check-ins, campaigns.
    await app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
      const id = tenant.id;
      await tx.query(
        `
        INSERT INTO case_events (tenant_id, case_id, seq, type, actor_kind, occurred_at)
        SELECT c.tenant_id, c.id, 100, 'deliver', 'system', c.accepted_at + interval '50 hours' FROM cases c
         WHERE c.tenant_id = $1 AND c.state = 'accepted' AND c.id::text < '8'`,
        [id],
      );
      await tx.query(
        `UPDATE cases SET assigned_physician_id = NULL WHERE tenant_id = $1 AND assigned_physician_id IS NOT NULL AND id::text < '3'`,
        [id],
      );
      await tx.query(
        `UPDATE cases SET offering_id = (SELECT id FROM offerings WHERE tenant_id = $1 AND slug = 'second-offering') WHERE tenant_id = $1 AND id::text > 'c'`,
        [id],
      );
      await tx.query(
        `UPDATE cases SET campaign = '{"utm_source":"radio","utm_medium":"audio","utm_campaign":"fall"}' WHERE tenant_id = $1 AND id::text LIKE '%7'`,
        [id],
      );
      await tx.query(`UPDATE cases SET created_at = created_at - interval '40 days' WHERE tenant_id = $1 AND id::text LIKE '%a'`, [id]);
      await tx.query(
        `UPDATE payments SET refunded_minor = captured_minor, status = 'refunded' WHERE tenant_id = $1 AND captured_minor > 0 AND case_id::text < '4'`,
        [id],
      );
      await tx.query(
        `
        INSERT INTO opinions (tenant_id, case_id, version, status, diagnosis_agreement, treatment_changed, author_id, signed_by, signed_at, amendment_reason)
        SELECT o.tenant_id, o.case_id, 2, 'signed', 'changed', NOT o.treatment_changed, o.author_id, o.signed_by, now(), 'amended' FROM opinions o
         WHERE o.tenant_id = $1 AND o.version = 1 AND o.case_id::text < '6'`,
        [id],
      );
      await tx.query(`DELETE FROM conversions WHERE tenant_id = $1 AND case_id::text > 'e'`, [id]);
      await tx.query(`UPDATE conversions SET value_minor = 12345, currency = 'USD' WHERE tenant_id = $1 AND kind = 'procedure_scheduled'`, [
        id,
      ]);
      await tx.query(
        `UPDATE case_check_ins SET acted_on_advice = 'yes', satisfaction = 2, answered_at = now() WHERE tenant_id = $1 AND acted_on_advice IS NULL AND case_id::text < '9'`,
        [id],
      );
      await tx.query(
        `UPDATE cases SET jurisdiction = 'US-WY', jurisdiction_class = 'out_of_state' WHERE tenant_id = $1 AND id::text LIKE '%5'`,
        [id],
      );
      await tx.query(`UPDATE stipend_entries SET amount_minor = amount_minor + 111 WHERE tenant_id = $1 AND case_id::text < '5'`, [id]);
    });
    await generator().generate({ tenantId: tenant.id, cases: 150, days: 60, seed: 5, now });
    // The offering's specialty moves: every case priced from it moves with it.
    await app
      .get(OperatorDatabase)
      .forTenant(tenant.id, (tx) =>
        tx.query(
          `UPDATE offerings SET specialty_id = (SELECT id FROM specialties WHERE tenant_id = $1 AND slug = 'second-spec') WHERE tenant_id = $1 AND slug = $2`,
          [tenant.id, tenant.offeringSlug],
        ),
      );
    await app.get(RollupRefresher).refresh(tenant.id, { batchSize: 97 });
    await expectExact(tenant, filters);
    await expectExact(tenant, await randomFilters(tenant, 12));
  });

  it('matches after writes race a refresh', async () => {
    random = seeded(7);
    const refresher = app.get(RollupRefresher);
    const write = (n: number) =>
      app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
        await tx.query(
          `UPDATE cases SET assigned_physician_id = (SELECT account_id FROM physicians WHERE tenant_id = $1 AND account_id IS NOT NULL LIMIT 1) WHERE tenant_id = $1 AND id::text LIKE $2`,
          [tenant.id, `${n.toString(16)}%`],
        );
        // Held open between its two writes so the refreshes race a half-done transaction (not a wait for anything).
        await new Promise((r) => setTimeout(r, 20));
        await tx.query(
          `UPDATE payments SET refunded_minor = 0, status = 'captured' WHERE tenant_id = $1 AND status = 'refunded' AND case_id::text LIKE $2`,
          [tenant.id, `${n.toString(16)}%`],
        );
      });
    await Promise.all([
      ...Array.from({ length: 16 }, (_, n) => write(n)),
      refresher.refresh(tenant.id, { batchSize: 13 }),
      refresher.refresh(tenant.id, { batchSize: 29 }),
    ]);
    // What a page view leaves to the job (more than its batches), then the job's handler counting the rest.
    await app
      .get(OperatorDatabase)
      .forTenant(tenant.id, (tx) =>
        tx.query(`UPDATE cases SET assigned_physician_id = NULL WHERE tenant_id = $1 AND id::text LIKE '3%'`, [tenant.id]),
      );
    expect((await refresher.refresh(tenant.id, { batchSize: 2, maxBatches: 1 })).pending).toBe(true);
    const handled = await new RefreshRollupsHandler(refresher).handle({ tenantId: tenant.id, payload: { tenantId: tenant.id } } as never);
    expect(handled.cases).toBeGreaterThan(0);
    expect((await refresher.refresh(tenant.id)).cases).toBe(0);
    await expectExact(tenant, await randomFilters(tenant, 10));
  });

  it('rebuilds when the hospital moves to another time zone, and keeps each hospital to its own figures', async () => {
    random = seeded(11);
    await app.get(OperatorDatabase).transaction((tx) => tx.query(`UPDATE tenants SET time_zone = 'Asia/Tokyo' WHERE id = $1`, [tenant.id]));
    const report = await app.get(RollupRefresher).refresh(tenant.id);
    expect(report.rebuilt).toBe(true);
    await expectExact(tenant, await randomFilters(tenant, 10));
    await expectExact(other, await randomFilters(other, 6));
    const everything = { from: '2024-01-01', to: '2026-12-31' };
    const mine = (await read(tenant, everything)).rollup.total.started;
    const theirs = (await read(other, everything)).rollup.total.started;
    expect(mine).toBe(850);
    expect(theirs).toBe(80);
  });
});
