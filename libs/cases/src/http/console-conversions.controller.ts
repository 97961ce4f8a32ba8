import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, field, Form, FormBody, Layout, Page, parseForm, redirect, Redirect, RequestContext, Translator } from '@consilium/core';
import { TenantSite } from '@consilium/tenancy';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Conversions } from '../conversions.service';
import { ConsoleCasePage } from './case-page';

const conversionForm = z.object({
  kind: field.text({ optional: true }),
  occurred_on: field.text({ optional: true, max: 40 }),
  value: field.text({ optional: true, max: 40 }),
});
const importForm = z.object({ csv: field.text({ optional: true, max: 2_000_000 }) });

/** Staff record the visit or procedure that followed an opinion, or import many from a CSV. */
@Controller('console')
@TenantSite()
@Layout('console')
export class ConsoleConversionsController {
  constructor(
    private readonly conversions: Conversions,
    private readonly translator: Translator,
    private readonly context: RequestContext,
  ) {}

  @Can('conversions.record')
  @Audited({ action: 'conversion.record', entityType: 'case', param: 'id' })
  @Post('cases/:id/conversions')
  @Form('cases/case', { presenter: ConsoleCasePage })
  async record(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody): Promise<Redirect> {
    const f = parseForm(conversionForm, body);
    await this.conversions.record(id, { kind: f.kind, occurredOn: f.occurred_on, value: f.value || undefined });
    return redirect(`/console/cases/${id}?recorded=1#conversions`);
  }

  @Can('conversions.record')
  @Get('conversions/import')
  @Page('cases/conversions-import', { title: 'cases.console.importTitle' })
  importPage() {
    return {};
  }

  /** The report of an import: every refused line with its reason (and nothing imported then, answered 400). */
  @Can('conversions.record')
  @Post('conversions/import')
  @Page('cases/conversions-import', { title: 'cases.console.importTitle' })
  async import(@Body() body: FormBody, @Res({ passthrough: true }) reply: FastifyReply) {
    const { csv } = parseForm(importForm, body);
    const report = await this.conversions.importCsv(csv);
    if (report.errors.length) reply.status(400);
    const locale = this.context.locale();
    const errors = report.errors.map((e) => ({
      text: this.translator.t('cases.console.importLine', locale, { line: e.line, message: this.translator.message(e.message, locale) }),
    }));
    return { report: { ...report, errors }, csv };
  }
}
