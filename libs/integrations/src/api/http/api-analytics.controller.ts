import { applyDecorators, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { AnalyticsService, Cell, filterInput, tableToCsv } from '@consilium/analytics';
import { Audited } from '@consilium/audit';
import { minorToDecimal, NotFound } from '@consilium/core';
import { ApiExtraModels, ApiOkResponse, ApiParam, ApiProduces, ApiQuery, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiController } from '../api-controller.decorator';
import { parseQuery } from '../api-input';
import { ApiScope, Problems } from '../api-route.decorators';
import { AnalyticsTableSchema, AnalyticsTablesSchema } from '../schemas/api.schemas';

const FILTERS = [
  { name: 'from', description: 'First day, YYYY-MM-DD (default: the dashboard default period).' },
  { name: 'to', description: 'Last day, YYYY-MM-DD.' },
  { name: 'specialty', description: 'A specialty id, or "none".' },
  { name: 'physician', description: 'A roster physician id, or "none".' },
  { name: 'campaign', description: 'A campaign tag, or "none".' },
  { name: 'class', description: 'in_state, out_of_state, international or none.' },
];

/** The dashboard's filter, one query parameter each. */
const ApiFilters = () => applyDecorators(...FILTERS.map((f) => ApiQuery({ ...f, required: false })));

/** A figure as JSON: counts and ratios as numbers, money as major units in text, null where nothing was measured. */
function cellValue(cell: Cell, currency: string): string | number | null {
  switch (cell.kind) {
    case 'text':
      return cell.value;
    case 'money':
      return cell.value === null ? null : minorToDecimal(cell.value, currency);
    default:
      return cell.value;
  }
}

/**
 * The conversion analytics as the dashboard computes them: each table of /console/analytics, with the same filter,
 * as the same CSV the dashboard's export button gives (or as JSON values), for a hospital's data warehouse.
 */
@ApiController('api/v1/analytics', 'Analytics')
export class ApiAnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get()
  @ApiScope('analytics.read', { summary: 'List analytics tables' })
  @ApiOkResponse({ type: AnalyticsTablesSchema })
  @Problems(401, 403)
  @Audited({ action: 'api.analytics.list', entityType: 'analytics' })
  async tables(): Promise<AnalyticsTablesSchema> {
    const page = await this.analytics.page(this.analytics.parse({}));
    return { data: page.dashboard.tables.map((t) => ({ id: t.id, title: t.title, url: `/api/v1/analytics/${t.id}` })) };
  }

  @Get(':table')
  @ApiScope('analytics.read', {
    summary: 'Export an analytics table',
    description: 'CSV by default (byte for byte what the dashboard exports for the same filter); JSON with `Accept: application/json`.',
  })
  @ApiParam({ name: 'table', example: 'funnel' })
  @ApiFilters()
  @ApiProduces('text/csv', 'application/json')
  @ApiExtraModels(AnalyticsTableSchema)
  @ApiOkResponse({
    description: 'The table.',
    content: {
      'text/csv': { schema: { type: 'string' } },
      'application/json': { schema: { $ref: getSchemaPath(AnalyticsTableSchema) } },
    },
  })
  @Problems(400, 401, 403, 404)
  @Audited({ action: 'api.analytics.export', entityType: 'analytics' })
  async table(
    @Param('table') id: string,
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.analytics.page(parseQuery(filterInput, query));
    const table = page.dashboard.tables.find((t) => t.id === id);
    if (!table) throw new NotFound();
    if ((accept ?? '').includes('application/json')) {
      const body: AnalyticsTableSchema = {
        id: table.id,
        title: table.title,
        period: { from: page.filter.from, to: page.filter.to },
        currency: page.currency,
        columns: table.columns,
        rows: table.rows.map((row) => row.map((cell) => cellValue(cell, page.currency))),
      };
      void reply.header('content-type', 'application/json; charset=utf-8').send(body);
      return;
    }
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="analytics-${table.id}-${page.filter.from}-to-${page.filter.to}.csv"`)
      .send(tableToCsv(table, page.currency));
  }
}
