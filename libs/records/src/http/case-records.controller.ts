import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { Can, InvalidInput, RequestContext } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StudySummary } from '../dicom/dicom-metadata';
import { RecordAccess } from '../record-access';
import { RecordsService, RecordView, toRecordView } from '../records.service';
import { MultipartUploads } from './multipart-uploads';
import { actorAccountId, UuidParam } from './http-params';

/**
 * Plain streaming uploads (multipart/form-data, one or more file parts) and a case's file list. Each part streams
 * through the pipeline as it arrives; nothing is buffered whole. Files over 100 MB should use the resumable endpoint.
 */
@Controller('cases/:caseId/records')
export class CaseRecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly access: RecordAccess,
    private readonly context: RequestContext,
    private readonly uploads: MultipartUploads,
  ) {}

  @Post()
  @Can('records.upload')
  @HttpCode(201)
  async upload(
    @Param('caseId', UuidParam) caseId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ files: RecordView[] }> {
    await this.access.assertCanUpload(caseId);
    const ref = { tenantId: this.context.tenant().id, caseId };
    const { files, ended } = await this.uploads.receive(request, ref, actorAccountId(this.context.actor()));
    if (ended) {
      // The rest of an oversize body is not worth reading: answer now and drop the connection.
      reply.header('connection', 'close');
      throw ended;
    }
    if (files.length === 0) throw new InvalidInput({ file: 'Choose a file to upload.' });
    return { files: files.map(toRecordView) };
  }

  @Get()
  @Can('records.read')
  async list(
    @Param('caseId', UuidParam) caseId: string,
  ): Promise<{ files: RecordView[]; studies: StudySummary[]; usage: { usedBytes: number; limitBytes: number } }> {
    await this.access.assertCanRead({ caseId });
    const ref = { tenantId: this.context.tenant().id, caseId };
    const [files, studies, usage] = [await this.records.list(ref), await this.records.studies(ref), await this.records.usage(ref)];
    return { files: files.map(toRecordView), studies, usage };
  }
}
