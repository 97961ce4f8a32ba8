import { Controller, Delete, Head, HttpCode, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { Can, RequestContext } from '@consilium/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RecordAccess } from '../record-access';
import { EmptyFile } from '../records.errors';
import { RecordsSettings } from '../records-settings';
import { ResumableUploads } from '../uploads/resumable-uploads.service';
import { UploadContentTypeInvalid } from '../uploads/upload.errors';
import { UploadSession } from '../uploads/upload-session.repository';
import { actorAccountId, UuidParam } from './http-params';
import {
  byteCountHeader,
  metadataFileName,
  metadataSha256,
  partChecksum,
  pathOf,
  TUS_CONTENT_TYPE,
  TUS_EXTENSIONS,
  TUS_VERSION,
  tusHeaders,
} from './tus-protocol';

/**
 * Resumable uploads over the tus 1.0 core protocol with the creation, termination, checksum and expiration
 * extensions (what tus-js-client and Uppy speak). POST announces a file and returns its upload URL; HEAD says how
 * much arrived; PATCH appends from that offset; DELETE abandons it. The file name travels in Upload-Metadata, never
 * in a URL.
 */
@Controller('cases/:caseId/uploads')
export class ResumableUploadController {
  constructor(
    private readonly uploads: ResumableUploads,
    private readonly access: RecordAccess,
    private readonly context: RequestContext,
    private readonly settings: RecordsSettings,
  ) {}

  @Options()
  @Can('records.upload')
  @HttpCode(204)
  discover(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    this.describe(request, reply);
  }

  @Options(':uploadId')
  @Can('records.upload')
  @HttpCode(204)
  discoverUpload(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    this.describe(request, reply);
  }

  @Post()
  @Can('records.upload')
  @HttpCode(201)
  async create(
    @Param('caseId', UuidParam) caseId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    tusHeaders(request, reply);
    await this.access.assertCanUpload(caseId);
    const length = byteCountHeader(request, 'upload-length');
    if (length === 0) throw new EmptyFile();
    const ref = { tenantId: this.context.tenant().id, caseId };
    const session = await this.uploads.create(
      ref,
      length,
      metadataFileName(request),
      actorAccountId(this.context.actor()),
      metadataSha256(request),
    );
    void reply.header('location', `${pathOf(request)}/${session.id}`).header('upload-expires', session.expiresAt.toUTCString());
  }

  @Head(':uploadId')
  @Can('records.upload')
  @HttpCode(200)
  async status(
    @Param('caseId', UuidParam) caseId: string,
    @Param('uploadId', UuidParam) uploadId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    tusHeaders(request, reply);
    await this.access.assertCanUpload(caseId);
    this.progress(reply, await this.uploads.status({ tenantId: this.context.tenant().id, caseId }, uploadId));
  }

  @Patch(':uploadId')
  @Can('records.upload')
  @HttpCode(204)
  async append(
    @Param('caseId', UuidParam) caseId: string,
    @Param('uploadId', UuidParam) uploadId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    tusHeaders(request, reply);
    await this.access.assertCanUpload(caseId);
    if (request.headers['content-type'] !== TUS_CONTENT_TYPE) throw new UploadContentTypeInvalid();
    const offset = byteCountHeader(request, 'upload-offset');
    const checksum = partChecksum(request);
    const ref = { tenantId: this.context.tenant().id, caseId };
    const { session, file } = await this.uploads.append(ref, uploadId, offset, request.raw, checksum);
    this.progress(reply, session);
    if (file) void reply.header('record-file-id', file.id).header('record-file-status', file.status);
  }

  @Delete(':uploadId')
  @Can('records.upload')
  @HttpCode(204)
  async terminate(
    @Param('caseId', UuidParam) caseId: string,
    @Param('uploadId', UuidParam) uploadId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    tusHeaders(request, reply);
    await this.access.assertCanUpload(caseId);
    await this.uploads.terminate({ tenantId: this.context.tenant().id, caseId }, uploadId);
  }

  private describe(request: FastifyRequest, reply: FastifyReply): void {
    tusHeaders(request, reply);
    void reply
      .header('tus-version', TUS_VERSION)
      .header('tus-extension', TUS_EXTENSIONS)
      .header('tus-max-size', String(this.settings.maxFileBytes))
      .header('tus-checksum-algorithm', 'sha1,sha256');
  }

  private progress(reply: FastifyReply, session: UploadSession): void {
    void reply
      .header('upload-offset', String(session.uploadOffset))
      .header('upload-length', String(session.uploadLength))
      .header('upload-expires', session.expiresAt.toUTCString());
  }
}
