import { Get, Param, Res } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { NotFound } from '@consilium/core';
import { DeliveredOpinions } from '@consilium/opinions';
import { ApiOkResponse, ApiParam, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UUID } from '../api-input';
import { ApiController } from '../api-controller.decorator';
import { ApiScope, Problems } from '../api-route.decorators';
import { OpinionSchema } from '../schemas/api.schemas';

@ApiController('api/v1/cases/:id/opinion', 'Opinions')
export class ApiOpinionsController {
  constructor(private readonly opinions: DeliveredOpinions) {}

  @Get()
  @ApiScope('opinions.read', {
    summary: "Get a case's delivered opinion",
    description: 'The latest signed version, once the case was delivered (404 before). An amendment is a new version.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case.' })
  @ApiOkResponse({ type: OpinionSchema })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.opinion.read', entityType: 'case', param: 'id' })
  async one(@Param('id') caseId: string): Promise<OpinionSchema> {
    if (!UUID.test(caseId)) throw new NotFound();
    const { opinion, letter } = await this.opinions.latest(caseId);
    return {
      id: opinion.id,
      caseId: opinion.caseId,
      version: opinion.version,
      signedAt: opinion.signedAt!.toISOString(),
      signedByAccountId: opinion.signedBy!,
      diagnosisAgreement: opinion.diagnosisAgreement!,
      treatmentChanged: opinion.treatmentChanged!,
      diagnosisNote: opinion.diagnosisNote,
      recommendations: opinion.recommendations,
      alternatives: opinion.alternatives,
      clinicalTrials: opinion.clinicalTrials,
      answers: opinion.answers,
      patientSummary: opinion.patientSummary,
      amendmentReason: opinion.amendmentReason,
      letter: letter
        ? {
            url: `/api/v1/cases/${caseId}/opinion/letter.pdf`,
            contentType: 'application/pdf',
            sizeBytes: letter.sizeBytes,
            sha256: letter.sha256,
          }
        : null,
    };
  }

  @Get('letter.pdf')
  @ApiScope('opinions.read', {
    summary: 'Download the signed letter',
    description: 'The PDF letter of the latest signed version, as delivered.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The case.' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'The signed PDF letter.',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  })
  @Problems(401, 403, 404)
  @Audited({ action: 'api.opinion.letter', entityType: 'case', param: 'id' })
  async letter(@Param('id') caseId: string, @Res() reply: FastifyReply): Promise<void> {
    if (!UUID.test(caseId)) throw new NotFound();
    const { opinion, case: c } = await this.opinions.latest(caseId);
    const pdf = await this.opinions.letter(opinion.id);
    void reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${c.number}-opinion-v${opinion.version}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  }
}
