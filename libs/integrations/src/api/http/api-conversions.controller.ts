import { Body, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Conversions } from '@consilium/cases';
import { NotFound } from '@consilium/core';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiParam } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UUID } from '../api-input';
import { ApiController } from '../api-controller.decorator';
import { ApiConversions, conversionView } from '../api-conversions.service';
import { ApiScope, Problems } from '../api-route.decorators';
import { ConversionInputSchema, ConversionListSchema, ConversionSchema } from '../schemas/api.schemas';

@ApiController('api/v1/cases/:id/conversions', 'Conversions')
export class ApiConversionsController {
  constructor(
    private readonly api: ApiConversions,
    private readonly conversions: Conversions,
  ) {}

  @Get()
  @ApiScope('cases.read', {
    summary: "List a case's conversions",
    description: 'Visits and procedures that followed the opinion, however recorded.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case.' })
  @ApiOkResponse({ type: ConversionListSchema })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.conversions.read', entityType: 'case', param: 'id' })
  async list(@Param('id') caseId: string): Promise<ConversionListSchema> {
    if (!UUID.test(caseId)) throw new NotFound();
    return { data: (await this.conversions.recorded(caseId)).map(conversionView) };
  }

  @Post()
  @HttpCode(201)
  @ApiScope('conversions.record', {
    summary: 'Record a visit or procedure',
    description:
      'Credits the opinion with a visit booked or a procedure scheduled or done at the hospital. Retries are safe: send the same `Idempotency-Key` and body, and the conversion recorded the first time is answered again (with `Idempotency-Replayed: true`).',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case.' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'Unique per conversion; reuse it to retry. 1 to 255 visible ASCII characters.',
  })
  @ApiBody({ type: ConversionInputSchema })
  @ApiCreatedResponse({ type: ConversionSchema })
  @Problems(400, 401, 403, 404, 422)
  @Audited({ action: 'api.conversion.record', entityType: 'case', param: 'id' })
  async record(
    @Param('id') caseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversionSchema> {
    const checked = this.api.checkKey(key);
    const input = this.api.readBody(body);
    const { conversion, replayed } = await this.api.record(caseId, input, checked);
    if (replayed) reply.header('idempotency-replayed', 'true');
    return conversion;
  }
}
