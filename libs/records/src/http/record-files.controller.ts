import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import { Audited } from '@consilium/audit';
import { Can, RequestContext } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { attachmentDisposition } from '../display-name';
import { RecordAccess } from '../record-access';
import { RecordsService, RecordView, toRecordView } from '../records.service';
import { UuidParam } from './http-params';

/** One file: its status and metadata, and its bytes (checked, audited, always as an attachment). */
@Controller('records')
export class RecordFilesController {
  constructor(
    private readonly records: RecordsService,
    private readonly access: RecordAccess,
    private readonly context: RequestContext,
  ) {}

  @Get(':fileId')
  @Can('records.read')
  async show(@Param('fileId', UuidParam) fileId: string): Promise<RecordView> {
    const file = await this.records.find(this.context.tenant().id, fileId);
    await this.access.assertCanRead({ caseId: file.caseId, fileId });
    return toRecordView(file);
  }

  @Get(':fileId/content')
  @Can('records.read')
  @Audited({ action: 'records.download', entityType: 'record_file', param: 'fileId' })
  async download(@Param('fileId', UuidParam) fileId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const file = await this.records.find(this.context.tenant().id, fileId);
    await this.access.assertCanRead({ caseId: file.caseId, fileId });
    const download = await this.records.openForDownload(file);
    // Never rendered by the browser, whatever it guesses: a record is saved, then opened by the patient's own viewer.
    reply
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .header('content-security-policy', "sandbox; default-src 'none'");
    return new StreamableFile(Readable.from(download.body), {
      type: download.contentType,
      disposition: attachmentDisposition(download.fileName),
      length: file.sizeBytes ?? undefined,
    });
  }
}
