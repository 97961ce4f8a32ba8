import { AnalyticsModule, RollupRefresher } from '@consilium/analytics';
import { parseCsv } from '@consilium/cases';
import { todayIn } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AnalyticsGenerator } from '../../apps/cli/src/generator/analytics-generator';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const TZ = 'America/New_York';
const DAY_MS = 86400000;

/** Seeded, so a failure can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
const monthDays = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};
/** A monthly amount over the days of [from, to] that fall in `month`. */
const overlap = (amount: number, month: string, from: string, to: string) => {
  const first = month.slice(0, 7) + '-01';
  const last = `${month.slice(0, 7)}-${String(monthDays(month)).padStart(2, '0')}`;
  const a = first < from ? from : first;
  const b = last > to ? to : last;
  return a > b ? 0 : (amount * daysBetween(a, b)) / monthDays(month);
};
const months = (from: string, to: string) => {
  const out: string[] = [];
  for (let m = from.slice(0, 7) + '-01'; m <= to; m = addDays(m, monthDays(m))) out.push(m);
  return out;
};

interface Raw {
  cases: { id: string; day: string; specialty: string | null }[];
  payments: { case_id: string; purpose: string; captured: number; refunded: number; fee: number; funded: number; captured_at: boolean }[];
  conversions: { case_id: string; kind: string; value: number | null; currency: string | null }[];
  stipends: { case_id: string; amount: number }[];
  spend: { month: string; amount: number }[];
  settings: { monthly: number; estimates: Record<string, number>; margins: Record<string, number>; bps: number; fixed: number };
}

/**
 * The ROI statement reconciles: on a random history (payments captured and refunded, platform fees, visits and
 * procedures with and without values, stipends, campaign spend, margins and fees set per hospital), every line of the
 * money section's export equals the same line computed here from the raw rows, for whole and partial periods and for
 * a filtered view (which carries its share of the fixed cost and spend).
 */
describe('the ROI statement reconciles with the raw rows', () => {
  let app: NestFastifyApplication;
  let tenant: TestHospital;
  let admin: WebClient;
  const random = seeded(20261208);

  beforeAll(async () => {
    app = await createTestApp(
      {},
      { imports: [IdentityModule, AnalyticsModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    tenant = await createTestHospital(app);
    const db = app.get(OperatorDatabase);
    await new AnalyticsGenerator((id, work) => db.forTenant(id, work)).generate({ tenantId: tenant.id, cases: 400, days: 420, seed: 7 });
    await db.forTenant(tenant.id, async (tx) => {
      // Refunds of every size and platform fees that are not a flat share, on top of what the generator wrote.
      const paid: { id: string; captured_minor: number }[] = await tx.query(
        `SELECT id, captured_minor FROM payments WHERE tenant_id = $1 AND purpose = 'opinion' AND captured_minor > 0 ORDER BY id`,
        [tenant.id],
      );
      for (const p of paid) {
        const refunded = random() < 0.15 ? Math.floor(p.captured_minor * random()) : 0;
        const fee = Math.floor(p.captured_minor * 0.2 * random());
        await tx.query(`UPDATE payments SET refunded_minor = $3, application_fee_minor = $4 WHERE tenant_id = $1 AND id = $2`, [
          tenant.id,
          p.id,
          refunded,
          fee,
        ]);
      }
      const specialties: { id: string }[] = await tx.query(`SELECT id FROM specialties WHERE tenant_id = $1 ORDER BY id`, [tenant.id]);
      const estimates = Object.fromEntries(specialties.map((s) => [s.id, 100000 + Math.floor(random() * 900000)]));
      // One specialty keeps the default margin: the statement must fall back to it.
      const margins = Object.fromEntries(specialties.slice(1).map((s) => [s.id, 1000 + Math.floor(random() * 5000)]));
      await tx.query(
        `INSERT INTO analytics_settings (tenant_id, monthly_cost_minor, procedure_estimates, margins, payment_fee_bps, payment_fee_fixed_minor)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id) DO UPDATE SET monthly_cost_minor = excluded.monthly_cost_minor, procedure_estimates = excluded.procedure_estimates,
           margins = excluded.margins, payment_fee_bps = excluded.payment_fee_bps, payment_fee_fixed_minor = excluded.payment_fee_fixed_minor`,
        [
          tenant.id,
          500000 + Math.floor(random() * 1000000),
          estimates,
          margins,
          250 + Math.floor(random() * 100),
          Math.floor(random() * 50),
        ],
      );
      const today = todayIn(TZ);
      for (const month of months(addDays(today, -420), today))
        for (const campaign of ['google / cpc / spring', 'newsletter / email / monthly'])
          if (random() < 0.7)
            await tx.query(
              `INSERT INTO campaign_spend (tenant_id, campaign, month, currency, amount_minor) VALUES ($1, $2, $3, 'USD', $4)`,
              [tenant.id, campaign, month, Math.floor(random() * 400000)],
            );
    });
    await app.get(RollupRefresher).refresh(tenant.id);
    admin = new WebClient(app, tenant.host);
    await signInStaff(admin, tenant.people.admin);
  });

  afterAll(() => app.close());

  /** The hospital's raw rows (the operator's connection sees every hospital: each query names this one). */
  async function raw(): Promise<Raw> {
    return app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
      const t = [tenant.id];
      const [s] = await tx.query(
        `SELECT monthly_cost_minor::int AS monthly, procedure_estimates AS estimates, margins, payment_fee_bps AS bps, payment_fee_fixed_minor AS fixed
           FROM analytics_settings WHERE tenant_id = $1`,
        t,
      );
      return {
        cases: await tx.query(
          `SELECT c.id, ((c.created_at AT TIME ZONE $2)::date)::text AS day, o.specialty_id AS specialty
             FROM cases c LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id WHERE c.tenant_id = $1`,
          [tenant.id, TZ],
        ),
        payments: await tx.query(
          `SELECT case_id, purpose, captured_minor AS captured, refunded_minor AS refunded, application_fee_minor AS fee, funded_minor AS funded,
                  captured_at IS NOT NULL AS captured_at FROM payments WHERE tenant_id = $1`,
          t,
        ),
        conversions: await tx.query(
          `SELECT case_id, kind, value_minor::int AS value, trim(currency) AS currency FROM conversions WHERE tenant_id = $1`,
          t,
        ),
        stipends: await tx.query(
          `SELECT case_id, amount_minor AS amount FROM stipend_entries WHERE tenant_id = $1 AND currency = 'USD'`,
          t,
        ),
        spend: await tx.query(
          `SELECT month::text AS month, amount_minor::int AS amount FROM campaign_spend WHERE tenant_id = $1 ORDER BY month, campaign`,
          t,
        ),
        settings: s,
      };
    });
  }

  /** Every line of the statement, as the export writes it, computed from the rows alone. */
  function expected(r: Raw, from: string, to: string, specialty?: string): string[] {
    const all = r.cases.filter((c) => c.day >= from && c.day <= to);
    const view = specialty ? all.filter((c) => c.specialty === specialty) : all;
    const ids = new Set(view.map((c) => c.id));
    const mine = <T extends { case_id: string }>(rows: T[]) => rows.filter((x) => ids.has(x.case_id));
    const opinion = mine(r.payments).filter((p) => p.purpose === 'opinion');
    const gross = opinion.reduce((s, p) => s + p.captured, 0);
    const refunds = opinion.reduce((s, p) => s + p.refunded, 0);
    const platform = opinion.reduce((s, p) => s + (p.captured > 0 ? Math.round((p.fee * (p.captured - p.refunded)) / p.captured) : 0), 0);
    const captured = opinion.filter((p) => p.captured > 0).length;
    const fees = Math.round((gross * r.settings.bps) / 10000) + captured * r.settings.fixed;
    const netRevenue = gross - refunds - platform - fees;
    const funded = opinion.filter((p) => p.captured_at).reduce((s, p) => s + p.funded, 0);
    const extras = mine(r.payments)
      .filter((p) => p.purpose === 'extra')
      .reduce((s, p) => s + p.captured - p.refunded, 0);
    // Per specialty: values recorded (a done procedure's value wins over a scheduled one's), and unvalued procedures.
    const bySpecialty = new Map<string, { recorded: number; unvalued: number }>();
    for (const c of view) {
      const ks = r.conversions.filter((k) => k.case_id === c.id);
      const valued = (kind: string) => ks.filter((k) => k.kind === kind && k.value !== null && k.currency === 'USD');
      const sum = (xs: { value: number | null }[]) => (xs.length ? xs.reduce((s, k) => s + k.value!, 0) : null);
      const procedure = ks.some((k) => k.kind === 'procedure_done' || k.kind === 'procedure_scheduled');
      const value = sum(valued('procedure_done')) ?? sum(valued('procedure_scheduled'));
      const consult = sum(valued('consult_booked')) ?? 0;
      const key = c.specialty ?? '00000000-0000-0000-0000-000000000000';
      const x = bySpecialty.get(key) ?? { recorded: 0, unvalued: 0 };
      x.recorded += (value ?? 0) + consult;
      x.unvalued += procedure && value === null ? 1 : 0;
      bySpecialty.set(key, x);
    }
    let recorded = 0;
    let estimated = 0;
    // Summed in the order the product sums them (by id, spend by month then campaign), so floats round alike.
    for (const [id, x] of [...bySpecialty].sort(([a], [b]) => a.localeCompare(b))) {
      const margin = (r.settings.margins[id] ?? 3000) / 10000;
      recorded += x.recorded * margin;
      estimated += x.unvalued * (r.settings.estimates[id] ?? 0) * margin;
    }
    const fixed = Math.round(months(from, to).reduce((s, m) => s + overlap(r.settings.monthly, m, from, to), 0));
    const spend = Math.round(r.spend.reduce((s, x) => s + overlap(x.amount, x.month, from, to), 0));
    const share = specialty ? view.length / all.length : 1;
    const fixedShared = Math.round(fixed * share);
    const spendShared = Math.round(spend * share);
    const stipends = mine(r.stipends).reduce((s, x) => s + x.amount, 0);
    const cost = fixedShared + spendShared + stipends;
    const before = netRevenue + extras + Math.round(recorded) + Math.round(estimated);
    const net = before - cost;
    const perMonth = before / (daysBetween(from, to) / (365.25 / 12));
    const money = (minor: number) => (minor / 100).toFixed(2);
    const less = (minor: number) => money(minor === 0 ? 0 : -minor);
    return [
      money(gross),
      less(refunds),
      less(platform),
      less(fees),
      money(netRevenue),
      money(funded),
      money(extras),
      money(Math.round(recorded)),
      money(Math.round(estimated)),
      less(fixedShared),
      less(spendShared),
      less(stipends),
      less(cost),
      money(net),
      cost > 0 ? (Math.round((net / cost) * 1000) / 10).toFixed(1) : '',
      cost === 0 ? '0' : perMonth > 0 ? String(Math.round((cost / perMonth) * 10) / 10) : '',
    ];
  }

  it('equals the raw computation, line by line, for whole, partial and filtered periods', async () => {
    const r = await raw();
    // The history has every kind of line, or equality would prove little.
    expect(r.payments.some((p) => p.refunded > 0 && p.fee > 0)).toBe(true);
    expect(r.conversions.some((k) => k.value === null && k.kind !== 'consult_booked')).toBe(true);
    expect(r.conversions.some((k) => k.value !== null && k.kind === 'consult_booked')).toBe(true);
    const today = todayIn(TZ);
    const specialties = [...new Set(r.cases.map((c) => c.specialty).filter((s): s is string => !!s))];
    const periods: [string, string, string?][] = [
      [addDays(today, -400), today],
      [addDays(today, -120), addDays(today, -31)],
      [addDays(today, -45), today],
      [addDays(today, -365), today, specialties[0]],
    ];
    for (let i = 0; i < 4; i++) {
      const a = Math.floor(random() * 380);
      const length = 7 + Math.floor(random() * 300);
      periods.push([
        addDays(today, -(a + length)),
        addDays(today, -a),
        random() < 0.5 ? specialties[Math.floor(random() * specialties.length)] : undefined,
      ]);
    }
    for (const [from, to, specialty] of periods) {
      const csv = await admin.get(`/console/analytics/export/money?from=${from}&to=${to}${specialty ? `&specialty=${specialty}` : ''}`);
      expect(csv.status).toBe(200);
      const lines = parseCsv(csv.text).filter((row) => row.length > 1);
      expect(lines[0]).toEqual(['Item', 'Amount', 'Basis']);
      const figures = lines.slice(1).map((row) => row[1]);
      expect({ from, to, specialty, figures }).toEqual({ from, to, specialty, figures: expected(r, from, to, specialty) });
    }
  });
});
