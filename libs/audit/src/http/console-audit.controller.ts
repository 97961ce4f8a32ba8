import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { Can, InvalidInput, ViewRenderer } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { Audited } from '../audited';
import { AUDIT_PAGE_SIZE, AuditFilter, AuditQuery, csvField } from '../audit-query.service';

const uuid = z.uuid('must be an id from the log');
const filterSchema = z.object({
  actor: uuid.optional().or(z.literal('')),
  subject: uuid.optional().or(z.literal('')),
  action: z
    .string()
    .max(100)
    .regex(/^[a-z0-9._-]*$/, 'must be an action name such as account.sign_in')
    .optional(),
  outcome: z.enum(['allowed', 'denied', '']).optional(),
  from: z.iso.date('must be a date (YYYY-MM-DD)').optional().or(z.literal('')),
  to: z.iso.date('must be a date (YYYY-MM-DD)').optional().or(z.literal('')),
  before: z.iso.datetime().optional(),
});

function toFilter(query: unknown): { filter: AuditFilter; values: Record<string, string>; before?: Date } {
  const parsed = filterSchema.safeParse(query ?? {});
  if (!parsed.success) {
    throw new InvalidInput(
      Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])),
      'The filter needs correcting.',
    );
  }
  const q = parsed.data;
  const filter: AuditFilter = {
    actorId: q.actor || undefined,
    subjectId: q.subject || undefined,
    action: q.action || undefined,
    outcome: q.outcome || undefined,
    from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
    to: q.to ? new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86400000) : undefined,
  };
  const values = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'before' && v)) as Record<string, string>;
  return { filter, values, before: q.before ? new Date(q.before) : undefined };
}

/** The hospital's audit log for its admins: browse, filter ("who accessed this patient"), export as CSV. */
@Controller('console/audit')
export class ConsoleAuditController {
  constructor(
    private readonly audit: AuditQuery,
    private readonly views: ViewRenderer,
  ) {}

  @Can('audit.read')
  @Audited({ action: 'audit.read', entityType: 'audit_log' })
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  async list(@Query() query: unknown): Promise<string> {
    const { filter, values, before } = toFilter(query);
    const rows = await this.audit.page(filter, before);
    const last = rows[rows.length - 1];
    const nextQuery =
      rows.length === AUDIT_PAGE_SIZE && last ? new URLSearchParams({ ...values, before: last.occurredAt.toISOString() }).toString() : null;
    return this.views.render(
      'audit/list',
      { title: 'Audit log', rows, values, nextQuery, csvQuery: new URLSearchParams(values).toString() },
      { layout: 'console' },
    );
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
    async function* csv(): AsyncGenerator<string> {
      yield `${header.join(',')}\r\n`;
      for await (const r of rows) {
        const fields = [
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
        yield `${fields.map(csvField).join(',')}\r\n`;
      }
    }
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(csv()));
  }
}
