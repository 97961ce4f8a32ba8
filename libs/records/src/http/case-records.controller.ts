import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { Can, InvalidInput, RequestContext } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StudySummary } from '../dicom/dicom-metadata';
import { RecordAccess } from '../record-access';
import { RecordFile } from '../record-file.repository';
import { FileRejected } from '../records.errors';
import { RecordsService, RecordView, toRecordView } from '../records.service';
import { RecordsSettings } from '../records-settings';
import { actorAccountId, UuidParam } from './http-params';

/** Files per multipart request; larger sets go as a ZIP or as several requests. */
const MAX_FILES_PER_REQUEST = 20;

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
    private readonly settings: RecordsSettings,
  ) {}

  @Post()
  @Can('records.upload')
  @HttpCode(201)
  async upload(@Param('caseId', UuidParam) caseId: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ files: RecordView[] }> {
    await this.access.assertCanUpload(caseId);
    if (!request.isMultipart()) throw new InvalidInput({ file: 'Choose a file to upload.' }, 'Files must be sent as a form upload.');
    const ref = { tenantId: this.context.tenant().id, caseId };
    const uploadedBy = actorAccountId(this.context.actor());
    const received: RecordFile[] = [];
    const parts = request.parts({ limits: { fileSize: this.settings.maxFileBytes + 1, files: MAX_FILES_PER_REQUEST, fields: 20, parts: 40 } });
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      try {
        received.push(await this.records.receive(ref, part.file, part.filename, { uploadedBy }));
      } catch (error) {
        // The rest of an oversize body is not worth reading: answer now and drop the connection.
        if (error instanceof FileRejected && error.endsRequest) reply.header('connection', 'close');
        throw error;
      }
      // A refused file was not read to its end; the next part starts after it.
      for await (const rest of part.file) void rest;
    }
    if (received.length === 0) throw new InvalidInput({ file: 'Choose a file to upload.' });
    return { files: received.map(toRecordView) };
  }

  @Get()
  @Can('records.read')
  async list(@Param('caseId', UuidParam) caseId: string): Promise<{ files: RecordView[]; studies: StudySummary[]; usage: { usedBytes: number; limitBytes: number } }> {
    await this.access.assertCanRead({ caseId });
    const ref = { tenantId: this.context.tenant().id, caseId };
    const [files, studies, usage] = [await this.records.list(ref), await this.records.studies(ref), await this.records.usage(ref)];
    return { files: files.map(toRecordView), studies, usage };
  }
}
