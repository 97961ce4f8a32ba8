import { Body, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { CaseReview } from '@consilium/cases';
import { RECORD_REQUEST_STATUSES, RecordRequestFacts, RecordRequests } from '@consilium/intake';
import { ApiBody, ApiOkResponse, ApiParam, ApiProduces, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listParam, pageSize, parseBody, parseQuery } from '../api-input';
import { ApiController } from '../api-controller.decorator';
import { ApiScope, Problems } from '../api-route.decorators';
import { decodeCursor, encodeCursor } from '../cursor';
import { nextLink } from '../links';
import { RecordRequestPageSchema, RecordRequestSchema, RecordRequestStatusInputSchema } from '../schemas/api.schemas';

const PAGE_MAX = 200;
const listQuery = z.object({
  status: listParam.pipe(z.array(z.enum(RECORD_REQUEST_STATUSES, { error: 'integrations.api.oneOf' })).optional()),
  cursor: z.string().optional(),
  limit: pageSize(PAGE_MAX, 100),
});
const statusBody = z.strictObject({
  status: z.enum(['sent', 'received', 'closed'], { error: 'integrations.api.oneOf' }),
});

function view(r: RecordRequestFacts): RecordRequestSchema {
  return {
    id: r.id,
    caseId: r.caseId,
    status: r.status,
    statusChangedAt: new Date(r.statusChangedAt).toISOString(),
    providerName: r.providerName,
    providerContact: r.providerContact,
    recordsDescribed: r.recordsDescribed,
    dateFrom: r.dateFrom,
    dateTo: r.dateTo,
    patientLegalName: r.patientLegalName,
    patientBirthDate: r.patientBirthDate,
    signedName: r.signedName,
    signedAt: new Date(r.signedAt).toISOString(),
    expiresOn: r.expiresOn,
    authorizationUrl: `/api/v1/record-requests/${r.id}/authorization.pdf`,
  };
}

/**
 * Records the patient asked the hospital to collect from other providers: the health-information team's work list,
 * the signed authorization to send, and the status as the work moves (each change is on the case's timeline).
 */
@ApiController('api/v1/record-requests', 'Records requests')
export class ApiRecordRequestsController {
  constructor(
    private readonly requests: RecordRequests,
    private readonly review: CaseReview,
  ) {}

  @Get()
  @ApiScope('cases.read', { summary: 'List records requests', description: 'Oldest signature first, a page at a time.' })
  @ApiQuery({ name: 'status', required: false, enum: RECORD_REQUEST_STATUSES, isArray: true, description: 'Comma-separated or repeated.' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', default: 100, minimum: 1, maximum: PAGE_MAX } })
  @ApiOkResponse({ type: RecordRequestPageSchema })
  @Problems(400, 401, 403)
  @Audited({ action: 'api.record_requests.list', entityType: 'record_request' })
  async list(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordRequestPageSchema> {
    const q = parseQuery(listQuery, query);
    const { requests, more } = await this.requests.feed({ statuses: q.status, after: decodeCursor(q.cursor), limit: q.limit });
    const last = requests.at(-1);
    const nextCursor = more && last ? encodeCursor(last.position) : null;
    if (nextCursor) reply.header('link', nextLink(request, nextCursor));
    return { data: requests.map(view), nextCursor };
  }

  @Get(':id')
  @ApiScope('cases.read', { summary: 'Get a records request' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: RecordRequestSchema })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.record_request.read', entityType: 'record_request', param: 'id' })
  async one(@Param('id') id: string): Promise<RecordRequestSchema> {
    return view(await this.requests.one(id));
  }

  @Get(':id/authorization.pdf')
  @ApiScope('cases.read', {
    summary: 'Download the signed authorization',
    description: 'The PDF to send to the provider who holds the records.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'The signed authorization.',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.record_request.authorization', entityType: 'record_request', param: 'id' })
  async authorization(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    const found = await this.requests.one(id);
    const pdf = await this.requests.authorizationPdf(found.caseId, found.id);
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="records-authorization.pdf"')
      .header('cache-control', 'no-store')
      .send(pdf);
  }

  @Post(':id/status')
  @HttpCode(200)
  @ApiScope('cases.triage', { summary: "Set a records request's status", description: 'The change appears on the case timeline.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: RecordRequestStatusInputSchema })
  @ApiOkResponse({ type: RecordRequestSchema })
  @Problems(400, 401, 403, 404)
  @Audited({ action: 'api.record_request.update', entityType: 'record_request', param: 'id' })
  async setStatus(@Param('id') id: string, @Body() body: unknown): Promise<RecordRequestSchema> {
    const { status } = parseBody(statusBody, body);
    const found = await this.requests.one(id);
    await this.review.setRecordRequestStatus(found.caseId, found.id, status);
    return view(await this.requests.one(id));
  }
}
