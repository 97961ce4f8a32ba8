import { Get, Param, Query, Req, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { ApiOkResponse, ApiParam, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CASE_STATES } from '@consilium/cases';
import { ApiCases, CASE_PAGE_MAX } from '../api-cases.service';
import { ApiController } from '../api-controller.decorator';
import { ApiScope, Problems } from '../api-route.decorators';
import { nextLink } from '../links';
import { CaseDetailSchema, CasePageSchema } from '../schemas/case.schemas';

@ApiController('api/v1/cases', 'Cases')
export class ApiCasesController {
  constructor(private readonly cases: ApiCases) {}

  @Get()
  @ApiScope('cases.read', {
    summary: 'List cases',
    description:
      'Cases in the order they last changed, oldest change first, a page at a time. To keep a system in step, remember the `updatedAt` of the last case you saw and ask again with `updated_since` (overlap by a minute: changes commit in any order), or follow webhooks.',
  })
  @ApiQuery({
    name: 'state',
    required: false,
    description: 'One or more states, comma-separated or repeated.',
    enum: CASE_STATES.filter((s) => s !== 'draft'),
    isArray: true,
  })
  @ApiQuery({ name: 'updated_since', required: false, description: 'ISO 8601 with offset; inclusive.', example: '2026-03-01T00:00:00Z' })
  @ApiQuery({ name: 'cursor', required: false, description: '`nextCursor` of the previous page.' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Cases per page, 1 to ${CASE_PAGE_MAX}.`,
    schema: { type: 'integer', default: 100, minimum: 1, maximum: CASE_PAGE_MAX },
  })
  @ApiOkResponse({ type: CasePageSchema })
  @Problems(400, 401, 403)
  @Audited({ action: 'api.cases.list', entityType: 'case' })
  async list(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CasePageSchema> {
    const page = await this.cases.page(query);
    if (page.nextCursor) reply.header('link', nextLink(request, page.nextCursor));
    return page;
  }

  @Get(':id')
  @ApiScope('cases.read', {
    summary: 'Get a case',
    description: 'The case with its timeline, its files (names, types, sizes and hashes; never bytes), and its records requests.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseDetailSchema })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.case.read', entityType: 'case', param: 'id' })
  one(@Param('id') id: string): Promise<CaseDetailSchema> {
    return this.cases.one(id);
  }
}
