import { Controller, Get, Query, Res } from '@nestjs/common';
import { Can, csvStream, CsvValue, Form, Layout, Page, StaffOnly } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { Audited } from '../audited';
import { AuditQuery } from '../audit-query.service';
import { AuditPage, toFilter } from './audit-page';

/** The hospital's audit log for its admins: browse, filter ("who accessed this patient"), export as CSV. */
@Controller('console/audit')
@StaffOnly()
@Layout('console')
export class ConsoleAuditController {
  constructor(
    private readonly page: AuditPage,
    private readonly audit: AuditQuery,
  ) {}

  @Can('audit.read')
  @Audited({ action: 'audit.read', entityType: 'audit_log' })
  @Get()
  @Page('audit/list', { title: 'audit.list.title' })
  @Form('audit/list', { presenter: AuditPage })
  list(@Query() query: unknown) {
    return this.page.show(query);
  }

  @Can('audit.read')
  @Audited({ action: 'audit.export', entityType: 'audit_log' })
  @Get('export.csv')
  export(@Query() query: unknown, @Res() reply: FastifyReply): void {
    const { filter } = toFilter(query);
    const header = [
      'occurred_at',
      'actor_kind',
      'actor_id',
      'actor_email',
      'action',
      'entity_type',
      'entity_id',
      'subject_id',
      'subject_email',
      'outcome',
      'ip',
      'user_agent',
      'request_id',
    ];
    const rows = this.audit.all(filter);
    async function* csv(): AsyncGenerator<CsvValue[]> {
      yield header;
      for await (const r of rows) {
        yield [
          r.occurredAt,
          r.actorKind,
          r.actorId,
          r.actorEmail,
          r.action,
          r.entityType,
          r.entityId,
          r.subjectId,
          r.subjectEmail,
          r.outcome,
          r.ip,
          r.userAgent,
          r.requestId,
        ];
      }
    }
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(csvStream(csv()));
  }
}
