import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { Can, InvalidInput, minorToDecimal, NotFound, RequestContext, Translator, ViewRenderer } from '@consilium/core';
import { may } from '@consilium/identity';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { AnalyticsPage, AnalyticsService } from '../analytics.service';
import { barChart, columnChart } from '../charts';
import { showCell, tableToCsv } from '../format';
import { bucketsOf } from '../period';

/**
 * The hospital's analytics in /console: admins see everything, coordinators the operational tables only (funnel
 * counts, turnaround, reach). Every table exports as CSV with the same filter.
 */
@Controller('console/analytics')
@TenantSite()
export class ConsoleAnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly translator: Translator,
  ) {}

  @Can('analytics.operational')
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async dashboard(
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('saved') saved?: string,
  ): Promise<string> {
    let input;
    try {
      input = this.analytics.parse(query);
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400);
      input = this.analytics.parse({});
      return this.render(await this.analytics.page(input), { errors: error.fields, values: query });
    }
    try {
      return this.render(await this.analytics.page(input), { saved: saved === '1' });
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400);
      return this.render(await this.analytics.page(this.analytics.parse({})), { errors: error.fields, values: query });
    }
  }

  @Can('analytics.operational')
  @Get('export/:table')
  @Header('cache-control', 'no-store')
  async export(@Param('table') table: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.analytics.page(this.analytics.parse(query));
    const found = this.visibleTables(page).find((t) => t.id === table);
    if (!found) throw new NotFound();
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="analytics-${found.id}-${page.filter.from}-to-${page.filter.to}.csv"`)
      .send(tableToCsv(found, page.currency));
  }

  @Can('analytics.read')
  @Post('settings')
  @HttpCode(200)
  async settings(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string | void> {
    const estimates = Object.fromEntries(
      Object.entries(body)
        .filter(([k]) => k.startsWith('estimate_'))
        .map(([k, v]) => [k.slice('estimate_'.length), String(v ?? '')]),
    );
    try {
      await this.analytics.saveSettings({ monthlyCost: String(body.monthly_cost ?? '0'), estimates });
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      reply.status(400).header('content-type', 'text/html; charset=utf-8');
      return this.render(await this.analytics.page(this.analytics.parse({})), { settingsErrors: error.fields });
    }
    void reply.redirect('/console/analytics?saved=1#settings', 303);
  }

  private visibleTables(page: AnalyticsPage) {
    const full = may(this.context.actor(), 'analytics.read');
    return page.dashboard.tables.filter((t) => full || t.operational);
  }

  private render(page: AnalyticsPage, extra: Record<string, unknown> = {}): string {
    const locale = this.context.locale();
    const full = may(this.context.actor(), 'analytics.read');
    const query = new URLSearchParams(Object.entries(page.values).filter(([, v]) => v)).toString();
    const h = page.dashboard.headline;
    const t = (key: string, vars?: Record<string, unknown>) => this.translator.t(key, locale, vars);
    const monthly = bucketsOf(page.filter).series === 'month';
    const pct = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)}%`);
    const tables = this.visibleTables(page).map((t) => ({
      ...t,
      csvUrl: `/console/analytics/export/${t.id}${query ? `?${query}` : ''}`,
      rows: t.rows.map((row) => row.map((cell) => ({ text: showCell(cell, page.currency, locale), numeric: cell.kind !== 'text' }))),
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
            display: `${f.count}${f.rate !== null ? ` (${pct(f.rate)})` : ''}`,
          })),
      ),
      series: columnChart(
        t('analytics.chart.series'),
        h.series.map((s) => ({
          label: monthly ? s.bucket.slice(0, 7) : s.bucket.slice(5),
          value: s.submitted,
          display: String(s.submitted),
        })),
      ),
      outcomes: full
        ? barChart(
            t('analytics.chart.outcomes'),
            h.outcomes.flatMap((o) => [
              {
                label: t('analytics.chart.ours', { outcome: t(`analytics.chart.outcome.${o.key}`) }),
                value: o.share ?? 0,
                display: pct(o.share),
              },
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
        h.reach.slice(0, 12).map((r) => ({ label: r.jurisdiction, value: r.count, display: `${r.count} (${pct(r.share)})` })),
      ),
    };
    return this.views.render(
      'analytics/dashboard',
      {
        title: t('analytics.title'),
        page,
        full,
        tables,
        charts,
        query,
        values: page.values,
        classes: ['in_state', 'out_of_state', 'international', 'none'],
        monthlyCost: minorToDecimal(page.monthlyCostMinor, page.currency),
        estimates: page.options.specialties.map((s) => ({
          ...s,
          value: page.procedureEstimates[s.id] !== undefined ? minorToDecimal(page.procedureEstimates[s.id], page.currency) : '',
        })),
        ...extra,
      },
      { layout: 'console' },
    );
  }
}
