import { Injectable, Optional } from '@nestjs/common';
import { byteSize, DEFAULT_LOCALE, NotFound, RequestContext, TenantDatabase, Translator } from '@consilium/core';
import {
  actorAccountId,
  FileRejected,
  MultipartUploads,
  RecordFile,
  RecordsService,
  rejectionMessage,
  StoredRejection,
  StudySummary,
} from '@consilium/records';
import type { FastifyRequest } from 'fastify';
import { CaseAccess } from './case-access';
import { CasePipeline } from './case-pipeline.service';
import { CaseRecordAccess } from './case-record-access';

/** One file as a page shows it: never its storage details; the name is shown, never put in a URL or a log. */
export interface RecordRow {
  id: string;
  name: string;
  status: RecordFile['status'];
  type: string | null;
  size: string | null;
  /** Why the file was refused, in the reader's language (`records.errors.<code>.message`). */
  rejection: string | null;
  rejectionCode: string | null;
  duplicate: boolean;
  downloadable: boolean;
  dicom: {
    modality: string | null;
    bodyPart: string | null;
    studyDate: string | null;
    studyDescription: string | null;
    seriesDescription: string | null;
  } | null;
  archive: { entries: number; accepted: number; rejected: number } | null;
  /** Files expanded from an archive (the archive's own bytes are not kept once expanded). */
  children: RecordRow[];
}

/** One file for an integration: what it is and its hash, never where or how it is stored, never its bytes. */
export interface RecordFileFacts {
  id: string;
  /** The archive it was expanded from. */
  parentId: string | null;
  name: string;
  status: RecordFile['status'];
  type: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  rejectionCode: string | null;
  dicom: RecordRow['dicom'];
  uploadedAt: Date;
}

/** The records a signed opinion was written from: file names and kinds, imaging studies' dates and descriptions. */
export interface ReviewedRecords {
  files: { name: string; kind: string | null }[];
  studies: { date: string | null; description: string | null; modalities: string[] }[];
}

/** Above this, a page's script sends files resumably (tus) rather than in one form post. */
export const RESUMABLE_OVER_BYTES = 100 * 1024 * 1024;

export interface CaseRecordsPage {
  files: RecordRow[];
  studies: StudySummary[];
  /** Some file is still being processed: the page says to come back shortly. */
  pending: boolean;
  usedBytes: string;
  limitBytes: string;
  canUpload: boolean;
  resumableOverBytes: number;
}

export interface UploadSummary {
  kept: number;
  rejected: number;
  /** A refusal that stopped the upload (too large, case full): its code, for the page's message. */
  stoppedBy: string | null;
}

/**
 * A case's records for its pages (the patient portal, the coordinator's case, the physician's review) and the upload
 * those pages' forms post. Access is CaseRecordAccess's; the records engine does the rest. Optional engine: a process
 * without the records routes (some suites) shows pages without the section.
 */
@Injectable()
export class CaseRecords {
  constructor(
    private readonly db: TenantDatabase,
    private readonly cases: CaseAccess,
    private readonly access: CaseRecordAccess,
    private readonly pipeline: CasePipeline,
    private readonly context: RequestContext,
    private readonly translator: Translator,
    @Optional() private readonly records?: RecordsService,
    @Optional() private readonly uploads?: MultipartUploads,
  ) {}

  /** The section of a case page; null when this actor sees no records of the case (or there is no engine). */
  async page(caseId: string): Promise<CaseRecordsPage | null> {
    if (!this.records) return null;
    try {
      await this.access.assertCanRead({ caseId });
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
    const ref = { tenantId: this.context.tenant().id, caseId };
    const [files, studies, usage] = [await this.records.list(ref), await this.records.studies(ref), await this.records.usage(ref)];
    const canUpload = await this.canUpload(caseId);
    const locale = this.context.locale();
    const rows = new Map<string, RecordRow>();
    const top: RecordRow[] = [];
    for (const file of files) {
      const row = toRow(file, locale, file.rejection && this.reason(file.rejection, locale));
      rows.set(file.id, row);
      const parent = file.parentId ? rows.get(file.parentId) : undefined;
      if (parent) parent.children.push(row);
      else top.push(row);
    }
    return {
      files: top,
      studies,
      pending: files.some((f) => f.status === 'uploaded' || f.status === 'processing'),
      usedBytes: byteSize(usage.usedBytes, locale),
      limitBytes: byteSize(usage.limitBytes, locale),
      canUpload,
      resumableOverBytes: RESUMABLE_OVER_BYTES,
    };
  }

  /** The case's files as facts (an integration's view); null where this process has no records engine. */
  async facts(caseId: string): Promise<RecordFileFacts[] | null> {
    if (!this.records) return null;
    await this.access.assertCanRead({ caseId });
    const files = await this.records.list({ tenantId: this.context.tenant().id, caseId });
    return files.map((file) => ({
      id: file.id,
      parentId: file.parentId,
      name: file.name,
      status: file.status,
      type: file.detectedType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      rejectionCode: file.rejection?.code ?? null,
      dicom: toRow(file, 'en', null).dicom,
      uploadedAt: file.createdAt,
    }));
  }

  /**
   * What the physician had before them, for the signed letter (a job, so no reader to check): the files kept, by the
   * name the patient gave them and their kind, and the imaging studies found in them. Names only, never bytes.
   */
  async reviewed(tenantId: string, caseId: string): Promise<ReviewedRecords> {
    if (!this.records) return { files: [], studies: [] };
    const ref = { tenantId, caseId };
    const files = (await this.records.list(ref)).filter((f) => f.status === 'ready' && f.detectedType !== 'zip');
    const studies = await this.records.studies(ref);
    return {
      files: files.map((f) => ({ name: f.name, kind: f.detectedType })),
      studies: studies.map((s) => ({ date: s.studyDate, description: s.studyDescription, modalities: s.modalities })),
    };
  }

  /**
   * Streams a form's files into the case (after CaseRecordAccess said yes) and notes the upload on the case's timeline
   * (a count, never names). Rejected files are kept as rows with their reason; the others are unaffected.
   */
  async upload(caseId: string, request: FastifyRequest): Promise<UploadSummary> {
    if (!this.records || !this.uploads) throw new NotFound();
    await this.access.assertCanUpload(caseId);
    const tenantId = this.context.tenant().id;
    const { files, ended } = await this.uploads.receive(request, { tenantId, caseId }, actorAccountId(this.context.actor()));
    const kept = files.filter((f) => f.status !== 'rejected').length;
    if (kept > 0) {
      await this.db.transaction(async (tx) => {
        const c = await this.cases.caseFor(tx, caseId);
        await this.pipeline.record(tx, c, { type: 'records_uploaded', data: { files: kept } });
      });
    }
    return { kept, rejected: files.length - kept, stoppedBy: ended instanceof FileRejected ? ended.code : null };
  }

  /** A row refused before its arguments were kept (rejection_values) keeps the English it was refused with. */
  private reason(rejection: StoredRejection, locale: string): string {
    const { key, values } = rejectionMessage(rejection);
    if (!rejection.values && this.translator.entries(DEFAULT_LOCALE).get(key)?.includes('{')) return rejection.message;
    return this.translator.t(key, locale, values);
  }

  private async canUpload(caseId: string): Promise<boolean> {
    const actor = this.context.actor();
    if (!actor) return false;
    if (actor.kind === 'staff') return actor.roles.includes('admin') || actor.roles.includes('coordinator');
    if (actor.kind !== 'patient') return false;
    return this.db.transaction(async (tx) => this.access.patientMayUpload(tx, await this.cases.caseFor(tx, caseId)));
  }
}

function toRow(file: RecordFile, locale: string, rejection: string | null): RecordRow {
  const d = file.dicom;
  return {
    id: file.id,
    name: file.name,
    status: file.status,
    type: file.detectedType,
    size: file.sizeBytes === null ? null : byteSize(file.sizeBytes, locale),
    rejection,
    rejectionCode: file.rejection?.code ?? null,
    duplicate: file.rejection?.code === 'duplicate_file',
    // An expanded archive's bytes live in its children; anything not ready has nothing to hand out.
    downloadable: file.status === 'ready' && file.detectedType !== 'zip',
    dicom: d
      ? {
          modality: d.modality,
          bodyPart: d.bodyPart,
          studyDate: d.studyDate,
          studyDescription: d.studyDescription,
          seriesDescription: d.seriesDescription,
        }
      : null,
    archive: file.archive ? { entries: file.archive.entries, accepted: file.archive.accepted, rejected: file.archive.rejected } : null,
    children: [],
  };
}

/** Where a form's upload sends the browser back: counts and a code only (names are PHI-ish: never in a URL). */
export function uploadResultQuery(summary: UploadSummary): string {
  const params = new URLSearchParams({ uploaded: String(summary.kept), rejected: String(summary.rejected) });
  if (summary.stoppedBy) params.set('stopped', summary.stoppedBy);
  return params.toString();
}

/** The message after the redirect, read back from that query; anything malformed is ignored. */
export function uploadResultNotice(query: Record<string, unknown> | undefined): UploadSummary | null {
  const count = (v: unknown) => (typeof v === 'string' && /^\d{1,3}$/.test(v) ? Number(v) : null);
  const kept = count(query?.uploaded);
  const rejected = count(query?.rejected);
  if (kept === null || rejected === null) return null;
  const stopped = typeof query?.stopped === 'string' && /^[a-z_]{3,60}$/.test(query.stopped) ? query.stopped : null;
  return { kept, rejected, stoppedBy: stopped };
}
