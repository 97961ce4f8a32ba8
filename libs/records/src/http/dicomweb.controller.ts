import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { AuditLog } from '@consilium/audit';
import { Can, NotFound, RequestContext } from '@consilium/core';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { CaseStudies, InstanceScope } from '../dicomweb/case-studies.service';
import { DicomJson } from '../dicomweb/dicom-json';
import { MultipartRelated, RelatedPart } from '../dicomweb/multipart-related';
import { IndexedInstance, QidoQuery } from '../dicomweb/qido';
import { VoiWindow } from '../dicomweb/rendered-frame';
import { RecordAccess } from '../record-access';
import { CaseRef } from '../records.service';
import { UuidParam } from './http-params';

const DICOM_JSON = 'application/dicom+json';
/** A DICOM UID: digits and dots, at most 64 characters. Anything else names nothing here. */
const UID = /^[0-9]+(\.[0-9]+)*$/;
/** A study's retrievals within this many minutes are one view of it in the audit log. */
const STUDY_VIEW_MINUTES = 30;
/** The longer side of a thumbnail, in pixels. */
const THUMBNAIL_SIDE = 128;

/**
 * A case's studies over DICOMweb (PS3.18): QIDO-RS searches, WADO-RS retrieval of instances, metadata and frames,
 * and rendered frames and thumbnails (PNG, or a baseline JPEG as stored).
 * The case decides everything: a UID the case does not hold is 404, like a case the caller may not read. Searches
 * are answered from the index built at upload; retrievals are decrypted from storage as a stream and audited once
 * per study view (`records.study_view` on the study's first file), not per frame.
 */
@Controller('cases/:caseId/dicomweb')
export class DicomWebController {
  constructor(
    private readonly studies: CaseStudies,
    private readonly access: RecordAccess,
    private readonly context: RequestContext,
    private readonly audit: AuditLog,
  ) {}

  @Get('studies')
  @Can('records.read')
  async searchStudies(
    @Param('caseId', UuidParam) caseId: string,
    @Query() query: QidoQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.json(reply, await this.studies.searchStudies(await this.readable(caseId), query));
  }

  @Get('studies/:study/series')
  @Can('records.read')
  async searchSeries(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Query() query: QidoQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const ref = await this.readable(caseId);
    return this.json(reply, await this.studies.searchSeries(ref, { ...query, StudyInstanceUID: uid(study) }));
  }

  @Get('studies/:study/instances')
  @Can('records.read')
  async searchStudyInstances(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Query() query: QidoQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const ref = await this.readable(caseId);
    return this.json(reply, await this.studies.searchInstances(ref, { ...query, StudyInstanceUID: uid(study) }));
  }

  @Get('studies/:study/series/:series/instances')
  @Can('records.read')
  async searchSeriesInstances(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Query() query: QidoQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const ref = await this.readable(caseId);
    const scoped = { ...query, StudyInstanceUID: uid(study), SeriesInstanceUID: uid(series) };
    return this.json(reply, await this.studies.searchInstances(ref, scoped));
  }

  @Get('studies/:study')
  @Can('records.read')
  retrieveStudy(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.retrieve(reply, caseId, { studyUid: uid(study) });
  }

  @Get('studies/:study/series/:series')
  @Can('records.read')
  retrieveSeries(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.retrieve(reply, caseId, { studyUid: uid(study), seriesUid: uid(series) });
  }

  @Get('studies/:study/series/:series/instances/:instance')
  @Can('records.read')
  retrieveInstance(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.retrieve(reply, caseId, { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) });
  }

  @Get('studies/:study/metadata')
  @Can('records.read')
  studyMetadata(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.metadata(reply, caseId, { studyUid: uid(study) });
  }

  @Get('studies/:study/series/:series/metadata')
  @Can('records.read')
  seriesMetadata(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.metadata(reply, caseId, { studyUid: uid(study), seriesUid: uid(series) });
  }

  @Get('studies/:study/series/:series/instances/:instance/metadata')
  @Can('records.read')
  instanceMetadata(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.metadata(reply, caseId, { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) });
  }

  @Get('studies/:study/series/:series/instances/:instance/frames/:frames')
  @Can('records.read')
  async frames(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frames') frames: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const numbers = frames.split(',').map((n) => (/^[1-9][0-9]{0,5}$/.test(n) ? Number(n) : Number.NaN));
    if (numbers.some(Number.isNaN)) throw new NotFound();
    const { ref, instances } = await this.viewed(caseId, { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) });
    const parts = await this.studies.frames(ref, instances[0], numbers);
    // One frame's syntax is every frame's: the part type names it, as PS3.18 8.7.3.5 asks.
    const related = new MultipartRelated(parts[0].contentType.split(';')[0]);
    return this.stream(reply, related.contentType, related.write(parts.map((f) => ({ contentType: f.contentType, body: f.bytes }))));
  }

  @Get('studies/:study/series/:series/instances/:instance/rendered')
  @Can('records.read')
  renderedInstance(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Query('window') window: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const scope = { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) };
    return this.picture(reply, caseId, scope, '1', undefined, voiWindow(window));
  }

  @Get('studies/:study/series/:series/instances/:instance/frames/:frame/rendered')
  @Can('records.read')
  renderedFrame(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frame') frame: string,
    @Query('window') window: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const scope = { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) };
    return this.picture(reply, caseId, scope, frame, undefined, voiWindow(window));
  }

  @Get('studies/:study/series/:series/instances/:instance/thumbnail')
  @Can('records.read')
  thumbnail(
    @Param('caseId', UuidParam) caseId: string,
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.picture(reply, caseId, { studyUid: uid(study), seriesUid: uid(series), instanceUid: uid(instance) }, '1', THUMBNAIL_SIDE);
  }

  private async picture(
    reply: FastifyReply,
    caseId: string,
    scope: InstanceScope,
    frame: string,
    maxSide?: number,
    window?: VoiWindow,
  ): Promise<StreamableFile> {
    if (!/^[1-9][0-9]{0,5}$/.test(frame)) throw new NotFound();
    const { ref, instances } = await this.viewed(caseId, scope);
    const picture = await this.studies.rendered(ref, instances[0], Number(frame), maxSide, window);
    return this.stream(reply, picture.contentType, [picture.bytes]);
  }

  private async retrieve(reply: FastifyReply, caseId: string, scope: InstanceScope): Promise<StreamableFile> {
    const { ref, instances } = await this.viewed(caseId, scope);
    const studies = this.studies;
    // Each instance is checked whole before its part starts (CaseStudies.open), then streamed through.
    async function* parts(): AsyncGenerator<RelatedPart> {
      for (const instance of instances) yield { contentType: 'application/dicom', body: await studies.open(ref, instance) };
    }
    const related = new MultipartRelated('application/dicom');
    return this.stream(reply, related.contentType, related.write(parts()));
  }

  private async metadata(reply: FastifyReply, caseId: string, scope: InstanceScope): Promise<string> {
    const { ref, instances } = await this.viewed(caseId, scope);
    const out: DicomJson[] = [];
    // One instance at a time: metadata of a 500-image series costs one image's memory, not the series'.
    for (const instance of instances) out.push(await this.studies.metadata(ref, instance));
    return this.json(reply, out);
  }

  /** The case's instances in scope, once the caller may read the case; the view is audited (once per window). */
  private async viewed(caseId: string, scope: InstanceScope): Promise<{ ref: CaseRef; instances: IndexedInstance[] }> {
    const ref = await this.readable(caseId);
    const { studyFileId, instances } = await this.studies.files(ref, scope);
    // The byte-serving routes are never an integration's: the file id makes RecordAccess say so.
    await this.access.assertCanRead({ caseId, fileId: instances[0].fileId });
    await this.audit.recordOnce(
      { action: 'records.study_view', entityType: 'record_file', entityId: studyFileId, outcome: 'allowed' },
      STUDY_VIEW_MINUTES,
    );
    return { ref, instances };
  }

  private async readable(caseId: string): Promise<CaseRef> {
    await this.access.assertCanRead({ caseId });
    return { tenantId: this.context.tenant().id, caseId };
  }

  private json(reply: FastifyReply, body: DicomJson[]): string {
    reply.header('content-type', DICOM_JSON).header('cache-control', 'private, no-store');
    return JSON.stringify(body);
  }

  private stream(reply: FastifyReply, contentType: string, body: AsyncIterable<Buffer> | Buffer[]): StreamableFile {
    reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');
    return new StreamableFile(Readable.from(body), { type: contentType });
  }
}

/**
 * PS3.18 8.3.5.1.4 `window=center,width[,function]`: the viewer's window/level preset. Only the linear function is
 * drawn; anything we cannot honour names no picture here (404), rather than a picture windowed otherwise.
 */
function voiWindow(value: unknown): VoiWindow | undefined {
  if (value === undefined) return undefined;
  const parts = typeof value === 'string' ? value.split(',') : [];
  const [center, width] = parts.slice(0, 2).map((p) => (/^-?[0-9]{1,6}(\.[0-9]{1,4})?$/.test(p) ? Number(p) : Number.NaN));
  const fn = parts[2]?.toLowerCase() ?? 'linear';
  if (parts.length < 2 || parts.length > 3 || !Number.isFinite(center) || !(width >= 1) || fn !== 'linear') throw new NotFound();
  return { center, width };
}

function uid(value: string): string {
  if (value.length > 64 || !UID.test(value)) throw new NotFound();
  return value;
}
