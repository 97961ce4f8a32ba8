import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { Can, Form, FormBody, Layout, NotFound, Page, redirect, Redirect, StaffOnly } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { AnalyticsService } from '../analytics.service';
import { tableToCsv } from '../format';
import { DashboardPage } from './dashboard-page';

const DASHBOARD = 'analytics/dashboard';

/**
 * The hospital's analytics in /console: admins see everything, coordinators the operational tables only (funnel
 * counts, turnaround, reach). Every table exports as CSV with the same filter.
 */
@Controller('console/analytics')
@TenantSite()
@StaffOnly()
@Layout('console')
export class ConsoleAnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly page: DashboardPage,
  ) {}

  /** The filter is a GET form: a wrong field shows the default period, the filter as typed and the problem beside it. */
  @Can('analytics.operational')
  @Get()
  @Page(DASHBOARD, { title: 'analytics.title' })
  @Form(DASHBOARD, { presenter: DashboardPage })
  dashboard(@Query() query: Record<string, unknown>, @Query('saved') saved?: string) {
    const { saved: _saved, ...filter } = query;
    return this.page.show(filter, { saved: saved === '1' });
  }

  @Can('analytics.operational')
  @Get('export/:table')
  async export(@Param('table') table: string, @Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.analytics.page(this.analytics.parse(query));
    const found = this.page.tables(page).find((t) => t.id === table);
    if (!found) throw new NotFound();
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="analytics-${found.id}-${page.filter.from}-to-${page.filter.to}.csv"`)
      .header('cache-control', 'no-store')
      .send(tableToCsv(found, page.currency));
  }

  @Can('analytics.read')
  @Post('settings')
  @Form(DASHBOARD, { presenter: DashboardPage, title: 'analytics.title' })
  async settings(@Body() body: FormBody): Promise<Redirect> {
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const prefixed = (prefix: string) =>
      Object.fromEntries(
        Object.entries(body)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), text(v)]),
      );
    await this.analytics.saveSettings({
      monthlyCost: text(body.monthly_cost) || '0',
      estimates: prefixed('estimate_'),
      // The contribution fields are on the page's form; a caller that sends none of them leaves them as they were.
      ...('fee_percent' in body
        ? { margins: prefixed('margin_'), feePercent: text(body.fee_percent), feeFixed: text(body.fee_fixed) }
        : {}),
    });
    return redirect('/console/analytics?saved=1#settings');
  }
}
