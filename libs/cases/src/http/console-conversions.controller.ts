import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, fieldTexts, InvalidInput, ViewRenderer } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { Conversions } from '../conversions.service';

/** Staff record the visit or procedure that followed an opinion, or import many from a CSV. */
@Controller('console')
@TenantSite()
export class ConsoleConversionsController {
  constructor(
    private readonly conversions: Conversions,
    private readonly views: ViewRenderer,
  ) {}

  @Can('conversions.record')
  @Audited({ action: 'conversion.record', entityType: 'case', param: 'id' })
  @Post('cases/:id/conversions')
  @HttpCode(200)
  async record(@Param('id', ParseUUIDPipe) id: string, @Body() body: Record<string, string>, @Res() reply: FastifyReply): Promise<void> {
    try {
      await this.conversions.record(id, { kind: body.kind ?? '', occurredOn: body.occurred_on ?? '', value: body.value || undefined });
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error;
      const [field, message] = Object.entries(fieldTexts(error))[0] ?? ['', ''];
      void reply.redirect(`/console/cases/${id}?conversionError=${encodeURIComponent(`${field}: ${message}`)}#conversions`, 303);
      return;
    }
    void reply.redirect(`/console/cases/${id}?recorded=1#conversions`, 303);
  }

  @Can('conversions.record')
  @Get('conversions/import')
  @Header('content-type', 'text/html; charset=utf-8')
  importPage(): string {
    return this.views.render('cases/conversions-import', { title: 'Import conversions' }, { layout: 'console' });
  }

  @Can('conversions.record')
  @Post('conversions/import')
  @HttpCode(200)
  async import(@Body() body: Record<string, string>, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const report = await this.conversions.importCsv(body.csv ?? '');
    reply.header('content-type', 'text/html; charset=utf-8');
    if (report.errors.length) reply.status(400);
    return this.views.render(
      'cases/conversions-import',
      { title: 'Import conversions', report, csv: body.csv ?? '' },
      { layout: 'console' },
    );
  }
}
