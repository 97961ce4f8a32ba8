import { Controller, Get, Query } from '@nestjs/common';
import { Can, Layout, OperatorOnly, Page, RequestContext, Translator } from '@consilium/core';
import { Benchmarks, MIN_DENOMINATOR, MIN_HOSPITALS, NEIGHBOURS } from '../benchmarks/benchmarks.service';
import { formatNumber, formatPercent } from '../format';
import { nextMonth } from '../period';

/** Operators: how hospitals compare, as anonymous percentiles; never one hospital's figure, never min or max. */
@Controller('operator/benchmarks')
@OperatorOnly()
@Layout('plain')
export class OperatorBenchmarksController {
  constructor(
    private readonly benchmarks: Benchmarks,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  @Can('operator.console')
  @Get()
  @Page('analytics/benchmarks', { title: 'analytics.benchmarks.title' })
  async page(@Query('months') monthsParam?: string) {
    const count = [3, 6, 12, 24].includes(Number(monthsParam)) ? Number(monthsParam) : 12;
    // Whole calendar months, the current one included; each hospital's months are its own time zone's.
    const now = new Date();
    const months: string[] = [];
    for (
      let m = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - count + 1, 1)).toISOString().slice(0, 10);
      months.length < count;
      m = nextMonth(m)
    )
      months.push(m);
    const rows = await this.benchmarks.across(months);
    const locale = this.context.locale();
    const t = (key: string, vars?: Record<string, unknown>) => this.translator.t(key, locale, vars);
    const show = (v: number, unit: string) =>
      unit === 'percent' ? formatPercent(v, locale) : unit === 'hours' ? `${formatNumber(v, locale, 1)} h` : formatNumber(v, locale, 2);
    return {
      count,
      choices: [3, 6, 12, 24].map((n) => ({ n, selected: n === count })),
      note: t('analytics.benchmarks.note', { min: MIN_HOSPITALS, neighbours: NEIGHBOURS, denominator: MIN_DENOMINATOR }),
      rows: rows.map((r) => ({
        name: t(`analytics.benchmarks.metric.${r.metric}`),
        hospitals: r.hospitals,
        cells: r.percentiles ? r.percentiles.map((v) => show(v, r.unit)) : null,
      })),
    };
  }
}
