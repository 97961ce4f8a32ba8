import { Injectable } from '@nestjs/common';
import { NotFound, TenantDatabase } from '@consilium/core';
import { ArchiveSummary } from './archive/archive-summary';
import { DicomMetadata, StudySummary, summarizeStudies } from './dicom/dicom-metadata';
import { CONTENT_TYPES, displayName, downloadName } from './display-name';
import { RecordProcessingScheduler } from './record-processing-scheduler';
import { RecordFile, RecordFileRepository, RecordStatus } from './record-file.repository';
import { RecordIngestor } from './record-ingestor';
import { RecordRegistrar } from './record-registrar';
import { RecordMetrics } from './record-metrics';
import { CaseStorageFull, FileRejected, RecordsError, UploadTooLarge } from './records.errors';
import { RecordsSettings } from './records-settings';
import { DetectedType } from './sniff/content-sniffer';
import { FileStorage } from './storage/file-storage';

/** The case a file belongs to. The host app owns cases; this lib only keeps their id. */
export interface CaseRef {
  tenantId: string;
  caseId: string;
}

/** A file as callers see it: no storage keys, no wrapped keys. */
export interface RecordView {
  id: string;
  caseId: string;
  parentId: string | null;
  status: RecordStatus;
  rejection: { code: string; message: string } | null;
  name: string;
  type: DetectedType | null;
  sizeBytes: number | null;
  sha256: string | null;
  duplicateOf: string | null;
  preambleZeroed: boolean;
  dicom: DicomMetadata | null;
  archive: ArchiveSummary | null;
  createdAt: string;
  processedAt: string | null;
}

export interface Download {
  file: RecordFile;
  fileName: string;
  contentType: string;
  body: AsyncIterable<Buffer>;
}

/**
 * The records engine's front door: receive a file for a case (stream in, type decided by content, limits enforced
 * while streaming, stored encrypted, duplicates noticed), list a case's files and its studies, and hand a ready
 * file back after checking its integrity. Authorization is the caller's: see RecordAccess.
 */
@Injectable()
export class RecordsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly files: RecordFileRepository,
    private readonly ingestor: RecordIngestor,
    private readonly registrar: RecordRegistrar,
    private readonly scheduler: RecordProcessingScheduler,
    private readonly storage: FileStorage,
    private readonly settings: RecordsSettings,
    private readonly metrics: RecordMetrics,
  ) {}

  /**
   * Stores one uploaded file and returns its row: `uploaded` (processing scheduled; inline processing has already
   * made it `ready` or `rejected`) or `rejected` with the reason. A limit refusal (UploadTooLarge, CaseStorageFull) is
   * thrown instead, since it ends the upload itself; nothing is recorded or stored for it. With `expectedSha256`
   * (the sender's digest of the file), bytes that do not have it are rejected (`digest_mismatch`) and not kept.
   */
  async receive(
    ref: CaseRef,
    source: AsyncIterable<Buffer>,
    declaredName: string | null | undefined,
    options: { uploadedBy?: string | null; expectedSha256?: string | null } = {},
  ): Promise<RecordFile> {
    const { tenantId, caseId } = ref;
    const base = { tenantId, caseId, name: displayName(declaredName), uploadedBy: options.uploadedBy ?? null };
    const used = await this.db.forTenant(tenantId, (tx) => this.files.caseUsage(tx, tenantId, caseId));
    const room = this.settings.maxCaseBytes - used;
    if (room <= 0) {
      this.metrics.rejected('case_storage_full', 'upload');
      throw new CaseStorageFull(this.settings.maxCaseBytes);
    }
    let ingested;
    try {
      ingested = await this.ingestor.ingest(source, {
        maxBytes: Math.min(room, this.settings.maxFileBytes),
        expectedSha256: options.expectedSha256,
        tooLarge: () =>
          room < this.settings.maxFileBytes
            ? new CaseStorageFull(this.settings.maxCaseBytes)
            : new UploadTooLarge(this.settings.maxFileBytes),
      });
    } catch (error) {
      if (error instanceof FileRejected) this.metrics.rejected(error.code, 'upload');
      if (error instanceof FileRejected && !error.endsRequest) return this.registrar.reject({ ...base, rejection: error });
      throw error;
    }
    let row;
    try {
      row = await this.registrar.register(
        { ...base, type: ingested.type, stored: ingested.stored, preambleZeroed: ingested.preambleZeroed },
        { caseLimitBytes: this.settings.maxCaseBytes, onKept: (tx, kept) => this.scheduler.enqueue(tx, tenantId, kept.id) },
      );
    } catch (error) {
      if (error instanceof FileRejected) this.metrics.rejected(error.code, 'upload');
      throw error;
    }
    // A duplicate of a file the case already holds is refused here, before any processing.
    if (row.status === 'rejected') this.metrics.rejected(row.rejection?.code ?? 'unknown', 'upload');
    if (row.status !== 'uploaded' || !this.scheduler.afterCommit) return row;
    await this.scheduler.afterCommit(tenantId, row.id);
    return this.find(tenantId, row.id);
  }

  /** Throws NotFound for a file that does not exist or belongs to another hospital (row-level security). */
  async find(tenantId: string, fileId: string): Promise<RecordFile> {
    const file = await this.db.forTenant(tenantId, (tx) => this.files.find(tx, tenantId, fileId));
    if (!file) throw new NotFound();
    return file;
  }

  async list(ref: CaseRef): Promise<RecordFile[]> {
    return this.db.forTenant(ref.tenantId, (tx) => this.files.listForCase(tx, ref.tenantId, ref.caseId));
  }

  /** The case's ready DICOM files in a study (a series, an instance), and the study's first file. */
  async dicomInScope(ref: CaseRef, scope: { studyUid: string; seriesUid?: string; instanceUid?: string }) {
    return this.db.forTenant(ref.tenantId, (tx) => this.files.dicomInScope(tx, ref.tenantId, ref.caseId, scope));
  }

  /** Studies across the case's ready DICOM files: series and instance counts, dates, modalities. */
  async studies(ref: CaseRef): Promise<StudySummary[]> {
    const files = await this.list(ref);
    return summarizeStudies(files.filter((f) => f.status === 'ready' && f.dicom).map((f) => f.dicom!));
  }

  /** Bytes the case holds against its limit. */
  async usage(ref: CaseRef): Promise<{ usedBytes: number; limitBytes: number }> {
    const usedBytes = await this.db.forTenant(ref.tenantId, (tx) => this.files.caseUsage(tx, ref.tenantId, ref.caseId));
    return { usedBytes, limitBytes: this.settings.maxCaseBytes };
  }

  /**
   * A ready file's plaintext, checked in full before the first byte is returned, so a tampered or damaged copy
   * fails with StoredFileDamaged instead of being half-sent.
   */
  async openForDownload(file: RecordFile): Promise<Download> {
    if (file.status !== 'ready' || !file.stored || !file.detectedType) throw new RecordsError('file_not_available');
    await this.storage.verify(file.stored);
    return {
      file,
      fileName: downloadName(file.name, file.detectedType),
      contentType: CONTENT_TYPES[file.detectedType],
      body: this.storage.read(file.stored),
    };
  }
}

export function toRecordView(file: RecordFile): RecordView {
  return {
    id: file.id,
    caseId: file.caseId,
    parentId: file.parentId,
    status: file.status,
    rejection: file.rejection && { code: file.rejection.code, message: file.rejection.message },
    name: file.name,
    type: file.detectedType,
    sizeBytes: file.sizeBytes,
    sha256: file.sha256,
    duplicateOf: file.duplicateOf,
    preambleZeroed: file.preambleZeroed,
    dicom: file.dicom,
    archive: file.archive,
    createdAt: file.createdAt.toISOString(),
    processedAt: file.processedAt?.toISOString() ?? null,
  };
}
