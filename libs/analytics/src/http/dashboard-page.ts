import { Injectable } from '@nestjs/common';
import { formatMoney, FormPresenter, minorToDecimal, RefusedForm, RequestContext, todayIn, Translator } from '@consilium/core';
import { jurisdictionName, ResolvedTenant } from '@consilium/tenancy';
import { may } from '@consilium/identity';
import { AnalyticsPage, AnalyticsService, YOUNG_DAYS } from '../analytics.service';
import { DEFAULT_MARGIN_BPS } from '../contribution';
import type { SummaryFigure } from '../dashboard';
import { barChart, columnChart } from '../charts';
import { formatNumber, formatPercent, showCell } from '../format';
import { bucketsOf } from '../period';

/** The analytics dashboard's model: the filter, charts, tables (admins all, coordinators the operational ones), settings. */
@Injectable()
export class DashboardPage implements FormPresenter {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  async show(query: unknown, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.model(await this.analytics.page(this.analytics.parse(query)), extra);
  }

  /**
   * A refused filter: the default period, the filter as typed with the problems beside it. A refused settings form:
   * the page as it was, the amounts as typed with the problems beside them in the settings section.
   */
  async refused(form: RefusedForm): Promise<Record<string, unknown>> {
    const page = await this.analytics.page(this.analytics.parse({}));
    if (form.action.endsWith('/settings'))
      return this.model(page, { settingsErrors: form.errors, settingsRefused: true, typed: form.values });
    return this.model(page, { values: form.query });
  }

  tables(page: AnalyticsPage) {
    const full = may(this.context.actor(), 'analytics.read');
    return page.dashboard.tables.filter((t) => full || t.operational);
  }

  private model(page: AnalyticsPage, extra: Record<string, unknown>): Record<string, unknown> {
    const locale = this.context.locale();
    const full = may(this.context.actor(), 'analytics.read');
    const query = new URLSearchParams(Object.entries(page.values).filter(([, v]) => v)).toString();
    const h = page.dashboard.headline;
    const t = (key: string, vars?: Record<string, unknown>) => this.translator.t(key, locale, vars);
    const monthly = bucketsOf(page.filter).series === 'month';
    const today = todayIn(this.context.tenant<ResolvedTenant>().timeZone);
    const pct = (v: number | null) => formatPercent(v, locale);
    const num = (v: number) => formatNumber(v, locale);
    const tables = this.tables(page).map((table) => ({
      ...table,
      csvUrl: `/console/analytics/export/${table.id}${query ? `?${query}` : ''}`,
      rows: table.rows.map((row) => row.map((cell) => ({ text: showCell(cell, page.currency, locale), numeric: cell.kind !== 'text' }))),
    }));
    const stepName = (step: string) => page.dashboard.tables[0].rows[h.funnel.findIndex((f) => f.step === step)][0];
    const charts = {
      funnel: barChart(
        t('analytics.chart.funnel'),
        h.funnel
          .filter((f) => f.count !== null)
          .map((f) => ({
            label: (stepName(f.step) as { value: string }).value,
            value: f.count!,
            display: `${num(f.count!)}${f.rate !== null ? ` (${pct(f.rate)})` : ''}`,
          })),
      ),
      series: columnChart(
        t('analytics.chart.series'),
        h.series.map((s) => ({
          label: monthly ? s.bucket.slice(0, 7) : s.bucket.slice(5),
          value: s.submitted,
          display: num(s.submitted),
          // The period still running (this month, or today) is counted to date: drawn apart so it reads as such.
          partial: page.filter.to >= today && (monthly ? s.bucket.slice(0, 7) === today.slice(0, 7) : s.bucket === today),
        })),
        { partialNote: t('analytics.chart.partial') },
      ),
      outcomes: full
        ? barChart(
            t('analytics.chart.outcomes'),
            // "Diagnosis changed" is compared with two references: our bar is drawn once, beside both.
            h.outcomes.flatMap((o) => [
              ...(o.key === 'diagnosis_changed_national'
                ? []
                : [
                    {
                      label: t('analytics.chart.ours', { outcome: t(`analytics.chart.outcome.${o.key}`) }),
                      value: o.share ?? 0,
                      display: pct(o.share),
                    },
                  ]),
              {
                label: t(`analytics.chart.published.${o.key}`, { outcome: t(`analytics.chart.outcome.${o.key}`) }),
                value: o.reference ?? 0,
                display: pct(o.reference),
                hatched: true,
              },
            ]),
            { max: 100 },
          )
        : null,
      reach: barChart(
        t('analytics.chart.reach'),
        h.reach.slice(0, 12).map((r) => ({
          label: r.jurisdiction ? jurisdictionName(r.jurisdiction, locale) : t('analytics.none.class'),
          value: r.count,
          display: `${num(r.count)} (${pct(r.share)})`,
        })),
      ),
    };
    const figure = (f: SummaryFigure, v: number | null) => {
      if (v === null) return '–';
      if (f.kind === 'money') return formatMoney(v, page.currency, locale);
      if (f.kind === 'percent') return pct(v);
      if (f.kind === 'months') return t('analytics.summary.months', { n: v });
      return num(v);
    };
    // Admins see the money figures; coordinators the counts.
    const summary = h.summary
      .filter((f) => full || f.kind === 'count')
      .map((f) => ({
        key: f.key,
        label: t(`analytics.summary.${f.key}`),
        value: figure(f, f.current),
        previous: t('analytics.summary.previous', { value: figure(f, f.previous) }),
        young: h.young && f.key === 'conversions',
      }));
    const typed = extra.typed as Record<string, string | string[]> | undefined;
    const typedText = (name: string) => (typed ? String(([] as string[]).concat(typed[name] ?? '')[0] ?? '') : undefined);
    return {
      page,
      full,
      tables,
      charts,
      summary,
      young: h.young,
      youngDays: YOUNG_DAYS,
      query,
      values: page.values,
      classes: ['in_state', 'out_of_state', 'international', 'none'],
      monthlyCost: typedText('monthly_cost') ?? minorToDecimal(page.monthlyCostMinor, page.currency),
      estimates: page.options.specialties.map((s) => ({
        ...s,
        value:
          typedText(`estimate_${s.id}`) ??
          (page.procedureEstimates[s.id] !== undefined ? minorToDecimal(page.procedureEstimates[s.id], page.currency) : ''),
      })),
      margins: page.options.specialties.map((s) => ({
        ...s,
        value:
          typedText(`margin_${s.id}`) ??
          (page.contributionSettings.margins[s.id] !== undefined ? String(page.contributionSettings.margins[s.id] / 100) : ''),
      })),
      defaultMargin: DEFAULT_MARGIN_BPS / 100,
      feePercent: typedText('fee_percent') ?? String(page.contributionSettings.paymentFeeBps / 100),
      feeFixed: typedText('fee_fixed') ?? minorToDecimal(page.contributionSettings.paymentFeeFixedMinor, page.currency),
      ...extra,
    };
  }
}
