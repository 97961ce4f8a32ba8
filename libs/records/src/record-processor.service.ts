import { Injectable, Logger } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { randomUUID } from 'node:crypto';
import { ArchiveExpander } from './archive/archive-expander';
import { ArchiveSummary } from './archive/archive-summary';
import { DicomMetadata } from './dicom/dicom-metadata';
import { FileInspector } from './file-inspector';
import { RecordFileRepository, RecordStatus } from './record-file.repository';
import { RecordMetrics } from './record-metrics';
import { RecordRegistrar } from './record-registrar';
import { FileRejected, StoredFileDamaged } from './records.errors';
import { StoredObject } from './storage/file-storage';

/** How long one attempt holds a file; an archive's expansion renews it entry by entry. */
export const PROCESSING_LEASE_SECONDS = 600;

/** Another attempt took over a file whose lease this attempt let lapse: this one stops without writing. */
export class ProcessingLeaseLost extends Error {
  override name = 'ProcessingLeaseLost';
}

export interface ProcessOutcome {
  fileId: string;
  /** `processing`: another attempt holds the file right now; a job should retry later. */
  status: RecordStatus;
  /** The rejection code, when refused: ids and codes only, safe for job output. */
  code?: string;
}

/**
 * The processing step of one uploaded file: DICOM parsed for its study, images checked in full, archives expanded.
 * It ends in `ready` or `rejected` (with the reason) and is idempotent: a finished file is returned as it is, one
 * attempt at a time holds a file under a lease, and a file whose attempt died is taken again once the lease lapses
 * (an archive then resumes after the entries already done).
 *
 * Runs as a job once libs/jobs lands: a handler for a `records-process` job ({ tenantId, fileId }) calls
 * `process(job.tenantId, job.payload.fileId)`; until then `InlineProcessing` calls it right after an upload.
 */
@Injectable()
export class RecordProcessor {
  private readonly logger = new Logger(RecordProcessor.name);

  constructor(
    private readonly db: TenantDatabase,
    private readonly files: RecordFileRepository,
    private readonly inspector: FileInspector,
    private readonly archives: ArchiveExpander,
    private readonly registrar: RecordRegistrar,
    private readonly metrics: RecordMetrics,
  ) {}

  async process(tenantId: string, fileId: string): Promise<ProcessOutcome> {
    const token = randomUUID();
    const file = await this.db.forTenant(tenantId, (tx) => this.files.claim(tx, tenantId, fileId, token, PROCESSING_LEASE_SECONDS));
    if (!file) {
      const current = await this.db.forTenant(tenantId, (tx) => this.files.find(tx, tenantId, fileId));
      return { fileId, status: current?.status ?? 'rejected', code: current?.rejection?.code ?? (current ? undefined : 'not_found') };
    }
    if (!file.stored || !file.detectedType) return this.reject(tenantId, fileId, token, new StoredFileDamaged(), null);
    let dicom: DicomMetadata | undefined;
    let archive: ArchiveSummary | undefined;
    const renew = async () => {
      const held = await this.db.forTenant(tenantId, (tx) => this.files.renew(tx, tenantId, fileId, token, PROCESSING_LEASE_SECONDS));
      if (!held) throw new ProcessingLeaseLost();
    };
    try {
      if (file.detectedType === 'zip') archive = await this.archives.expand(file, renew);
      else ({ dicom } = await this.inspector.inspect(file.detectedType, file.stored));
    } catch (error) {
      if (error instanceof ProcessingLeaseLost) return { fileId, status: 'processing' };
      if (error instanceof StoredFileDamaged) {
        // An integrity failure at rest is an incident, not a patient error: say so loudly, without PHI, and leave
        // the object where it is (its key is logged) for whoever investigates.
        this.logger.error({ tenantId, fileId, storageKey: file.stored.key, code: error.code }, 'stored record failed its integrity check');
        return this.reject(tenantId, fileId, token, error, null);
      }
      if (error instanceof FileRejected) return this.reject(tenantId, fileId, token, error, file.stored);
      throw error;
    }
    // An expanded archive's bytes now live in its children; keeping both would count twice against the case.
    const dropStorage = file.detectedType === 'zip';
    const done = await this.db.forTenant(tenantId, (tx) =>
      this.files.markReady(tx, tenantId, fileId, token, { dicom, archive, dropStorage }),
    );
    if (!done) return { fileId, status: 'processing' };
    this.metrics.ready(file.detectedType);
    if (dropStorage) await this.registrar.discard(file.stored);
    return { fileId, status: 'ready' };
  }

  private async reject(
    tenantId: string,
    fileId: string,
    token: string,
    error: FileRejected | StoredFileDamaged,
    stored: StoredObject | null,
  ): Promise<ProcessOutcome> {
    const done = await this.db.forTenant(tenantId, (tx) =>
      this.files.markRejected(tx, tenantId, fileId, token, { code: error.code, message: error.message }),
    );
    if (!done) return { fileId, status: 'processing' };
    this.metrics.rejected(error.code, 'processing');
    await this.registrar.discard(stored);
    return { fileId, status: 'rejected', code: error.code };
  }
}
