import { Injectable } from '@nestjs/common';
import {
  currencyDigits,
  field,
  formatMoney,
  todayIn,
  FieldProblems,
  first,
  InvalidInput,
  msg,
  NotFound,
  parseForm,
  RequestContext,
  rows,
  TenantDatabase,
  Translator,
} from '@consilium/core';
import { JobQueue } from '@consilium/jobs';
import { jurisdictionName, type ResolvedTenant } from '@consilium/tenancy';
import { REFRESH_ROLLUPS_JOB } from './jobs/refresh-rollups.job';
import { EntityManager } from 'typeorm';
import { z } from 'zod';
import { readAnalyticsSettings, readMarginSettings, writeAnalyticsSettings, writeMarginSettings } from './analytics-settings';
import { spendRows } from './campaign-spend';
import { contribution, ContributionSettings, DEFAULT_MARGIN_BPS, DEFAULT_PAYMENT_FEE, spendInPeriod } from './contribution';
import { buildDashboard, Dashboard, DashboardContext } from './dashboard';
import { addDays, daysIn, defaultPeriod, Period } from './period';
import { NONE_ID } from './rollups/case-facts.sql';
import { AnalyticsFilter, MetricsReader } from './rollups/metrics-reader';
import { RollupRefresher } from './rollups/rollup-refresher';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An id from the filter's list, or `none` (cases without one); blank is "all". */
const choiceId = () => field.text({ optional: true, max: 60 }).refine((v) => !v || v === 'none' || UUID.test(v), 'core.form.choose');
export const filterInput = z.object({
  from: field.date({ optional: true }),
  to: field.date({ optional: true }),
  specialty: choiceId(),
  physician: choiceId(),
  campaign: field.text({ optional: true, max: 320 }),
  class: field.choice(['in_state', 'out_of_state', 'international', 'none', '']).optional(),
});
export type FilterInput = z.infer<typeof filterInput>;

export interface FilterOptions {
  specialties: { id: string; name: string }[];
  physicians: { id: string; name: string }[];
  campaigns: string[];
}

export interface AnalyticsPage {
  filter: AnalyticsFilter;
  /** The filter as the form sends it back (ids, "none"). */
  values: Record<string, string>;
  dashboard: Dashboard;
  options: FilterOptions;
  currency: string;
  monthlyCostMinor: number;
  procedureEstimates: Record<string, number>;
  contributionSettings: ContributionSettings;
  /** Some changes are not counted yet: a job is counting them. */
  catchingUp: boolean;
}

const MAX_DAYS = 366 * 5;
/** Requests younger than this have rarely had their visit yet: the summary marks a period that includes them. */
export const YOUNG_DAYS = 90;

/**
 * The hospital's analytics: validates the filter (an id of anything not the hospital's is "not found"), brings the
 * rollups up to date, reads them and derives the dashboard.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly refresher: RollupRefresher,
    private readonly translator: Translator,
    private readonly jobs: JobQueue,
  ) {}

  /** The filter from the query; a wrong field is refused beside it (InvalidInput, by key). */
  parse(query: unknown): FilterInput {
    return parseForm(filterInput, query ?? {});
  }

  async page(input: FilterInput): Promise<AnalyticsPage> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const fallback = defaultPeriod(tenant.timeZone);
    const filter: AnalyticsFilter = { from: input.from ?? fallback.from, to: input.to ?? fallback.to };
    if (filter.from > filter.to) throw new InvalidInput({ to: msg('analytics.filter.toBeforeFrom') });
    if (daysIn(filter) > MAX_DAYS) throw new InvalidInput({ from: msg('analytics.filter.tooLong') });
    if (input.specialty) filter.specialtyId = input.specialty === 'none' ? NONE_ID : input.specialty;
    if (input.physician) filter.physicianId = input.physician === 'none' ? NONE_ID : input.physician;
    if (input.campaign) filter.campaign = input.campaign === 'none' ? '' : input.campaign;
    if (input.class) filter.jurisdictionClass = input.class === 'none' ? '' : input.class;

    // A page view counts what changed since the last one; a backlog beyond that (an upgrade, a bulk import) goes
    // to a job and the page says its figures are catching up.
    const refreshed = await this.refresher.refresh(tenant.id, { batchSize: 5000, maxBatches: 4 });
    if (refreshed.pending) await this.db.forTenant(tenant.id, (tx) => this.jobs.enqueue(tx, REFRESH_ROLLUPS_JOB, { tenantId: tenant.id }));
    const locale = this.context.locale();
    return this.db.forTenant(tenant.id, async (tx) => {
      const options = await this.options(tx, tenant.id, locale);
      if (input.specialty && input.specialty !== 'none' && !options.specialties.some((s) => s.id === input.specialty)) throw new NotFound();
      if (
        input.physician &&
        input.physician !== 'none' &&
        !(await first(tx, `SELECT 1 FROM accounts WHERE tenant_id = $1 AND id = $2 AND kind = 'staff'`, [tenant.id, input.physician]))
      )
        throw new NotFound();
      const settings = await readAnalyticsSettings(tx, tenant.id);
      // A case's physician is the staff account assigned (the roster physician it is linked to gives the name).
      const physicians: DashboardContext['physicians'] = await tx
        .query(
          `SELECT a.id, coalesce(p.name, a.name) AS name FROM accounts a LEFT JOIN physicians p ON p.tenant_id = a.tenant_id AND p.account_id = a.id
                 WHERE a.tenant_id = $1 AND a.kind = 'staff'`,
          [tenant.id],
        )
        .then((rows: Record<string, unknown>[]) => rows.map((r) => ({ id: String(r.id), name: String(r.name) })));
      const margins = await readMarginSettings(tx, tenant.id);
      const contributionSettings: ContributionSettings = {
        ...settings,
        margins: margins.margins,
        paymentFeeBps: margins.paymentFeeBps ?? DEFAULT_PAYMENT_FEE.bps,
        paymentFeeFixedMinor: margins.paymentFeeFixedMinor ?? DEFAULT_PAYMENT_FEE.fixedMinor,
      };
      const reader = new MetricsReader(tx, { id: tenant.id, timeZone: tenant.timeZone, currency: tenant.currency });
      const rows = await reader.fromRollups(filter);
      // The previous period of the same length, for the summary strip; the whole hospital's cases when filtered,
      // since a filtered view carries the fixed cost and campaign spend by its share of them.
      const days = daysIn(filter);
      const previousFilter: AnalyticsFilter = { ...filter, from: addDays(filter.from, -days), to: addDays(filter.from, -1) };
      const previousRows = await reader.fromRollups(previousFilter);
      const filtered = Object.keys(filter).length > 2;
      const startedAll = async (period: Period, own: number) =>
        filtered ? (await reader.fromRollups({ from: period.from, to: period.to })).total.started : own;
      const spend = await spendRows(tx, tenant.id, tenant.currency, previousFilter.from, filter.to);
      const statement = (period: Period, r: typeof rows, all: number) =>
        contribution({
          period,
          total: r.total,
          bySpecialty: r.bySpecialty,
          startedAll: all,
          filtered,
          settings: contributionSettings,
          spend,
        });
      const dashboard = buildDashboard(rows, {
        period: filter,
        currency: tenant.currency,
        contribution: statement(filter, rows, await startedAll(filter, rows.total.started)),
        previous: {
          total: previousRows.total,
          contribution: statement(previousFilter, previousRows, await startedAll(previousFilter, previousRows.total.started)),
        },
        basis: {
          paymentFeeBps: contributionSettings.paymentFeeBps,
          paymentFeeFixedMinor: contributionSettings.paymentFeeFixedMinor,
          defaultMarginBps: DEFAULT_MARGIN_BPS,
        },
        campaignSpend: Object.fromEntries([...new Set(spend.map((s) => s.campaign))].map((k) => [k, spendInPeriod(spend, filter, k)])),
        youngSince: addDays(todayIn(tenant.timeZone), -YOUNG_DAYS),
        formatMoney: (minor) => formatMoney(minor, tenant.currency, locale),
        placeName: (code) => jurisdictionName(code, locale),
        specialties: options.specialties,
        physicians,
        t: (key, vars) => this.translator.t(key, locale, vars),
      });
      const values: Record<string, string> = {
        from: filter.from,
        to: filter.to,
        specialty: input.specialty ?? '',
        physician: input.physician ?? '',
        campaign: input.campaign ?? '',
        class: input.class ?? '',
      };
      return {
        filter,
        values,
        dashboard,
        options,
        currency: tenant.currency,
        catchingUp: refreshed.pending,
        ...settings,
        contributionSettings,
      };
    });
  }

  /** The fixed monthly cost and per-specialty procedure estimates (admins set them on the page). */
  async saveSettings(input: {
    monthlyCost: string;
    estimates: Record<string, string>;
    margins?: Record<string, string>;
    feePercent?: string;
    feeFixed?: string;
  }): Promise<void> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const errors: FieldProblems = {};
    const example = currencyDigits(tenant.currency) ? '2500.00' : '2500';
    const minor = (value: string, name: string): number => {
      if (!/^\d{1,10}(\.\d{1,2})?$/.test(value.trim())) {
        errors[name] = msg('core.form.amount', { example });
        return 0;
      }
      return Math.round(Number(value.trim()) * 10 ** currencyDigits(tenant.currency));
    };
    const monthly = minor(input.monthlyCost || '0', 'monthly_cost');
    // A percentage with up to two decimals ("30", "2.9"), kept in basis points; blank is the stated default.
    const bps = (value: string, name: string): number | null => {
      if (!value.trim()) return null;
      if (!/^\d{1,3}(\.\d{1,2})?$/.test(value.trim()) || Number(value) > 100) {
        errors[name] = msg('analytics.settings.percent');
        return null;
      }
      return Math.round(Number(value.trim()) * 100);
    };
    const feeBps = bps(input.feePercent ?? '', 'fee_percent');
    const feeFixed = input.feeFixed?.trim() ? minor(input.feeFixed, 'fee_fixed') : null;
    await this.db.forTenant(tenant.id, async (tx) => {
      const specialties = await rows<{ id: string }>(tx, `SELECT id FROM specialties WHERE tenant_id = $1`, [tenant.id]);
      const estimates: Record<string, number> = {};
      for (const [id, value] of Object.entries(input.estimates)) {
        if (!specialties.some((s) => s.id === id)) throw new NotFound();
        if (value.trim()) estimates[id] = minor(value, `estimate_${id}`);
      }
      const margins: Record<string, number> = {};
      for (const [id, value] of Object.entries(input.margins ?? {})) {
        if (!specialties.some((s) => s.id === id)) throw new NotFound();
        const margin = bps(value, `margin_${id}`);
        if (margin !== null) margins[id] = margin;
      }
      if (Object.keys(errors).length) throw new InvalidInput(errors);
      await writeAnalyticsSettings(tx, tenant.id, { monthlyCostMinor: monthly, procedureEstimates: estimates });
      if (input.margins !== undefined)
        await writeMarginSettings(tx, tenant.id, { margins, paymentFeeBps: feeBps, paymentFeeFixedMinor: feeFixed });
    });
  }

  private async options(tx: EntityManager, tenantId: string, locale: string): Promise<FilterOptions> {
    const specialties = await rows<{ id: string; name: string }>(
      tx,
      `SELECT id, coalesce(name->>$2, name->>'en', slug) AS name FROM specialties WHERE tenant_id = $1 ORDER BY position, slug`,
      [tenantId, locale],
    );
    // Physicians by the staff account they sign in with: that is what a case's assignment names.
    const physicians = await rows<{ id: string; name: string }>(
      tx,
      `SELECT account_id AS id, name FROM physicians WHERE tenant_id = $1 AND account_id IS NOT NULL ORDER BY name`,
      [tenantId],
    );
    const campaigns = await rows<{ campaign: string }>(
      tx,
      `SELECT campaign FROM analytics_cohorts WHERE tenant_id = $1 AND grain = 'month' AND campaign <> ''
        UNION SELECT campaign FROM analytics_visits WHERE tenant_id = $1 AND grain = 'month' AND campaign <> '' ORDER BY 1 LIMIT 500`,
      [tenantId],
    );
    return {
      specialties: specialties.map((r) => ({ id: r.id, name: r.name })),
      physicians: physicians.map((r) => ({ id: r.id, name: r.name })),
      campaigns: campaigns.map((r) => r.campaign),
    };
  }
}
