import { Injectable } from '@nestjs/common';
import { affected, first, one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { ArchiveSummary } from './archive/archive-summary';
import { DicomMetadata } from './dicom/dicom-metadata';
import { DetectedType } from './sniff/content-sniffer';
import { StorageBackend, StoredObject } from './storage/file-storage';
import { StoredRejection } from './stored-rejection';

export type RecordStatus = 'uploaded' | 'processing' | 'ready' | 'rejected';

/** One row of record_files. `name` is the patient's own file name: shown to them, never logged or put in a URL. */
export interface RecordFile {
  id: string;
  tenantId: string;
  caseId: string;
  parentId: string | null;
  archiveEntry: number | null;
  status: RecordStatus;
  rejection: StoredRejection | null;
  name: string;
  detectedType: DetectedType | null;
  sizeBytes: number | null;
  sha256: string | null;
  stored: StoredObject | null;
  preambleZeroed: boolean;
  duplicateOf: string | null;
  dicom: DicomMetadata | null;
  archive: ArchiveSummary | null;
  uploadedBy: string | null;
  createdAt: Date;
  processedAt: Date | null;
}

export interface NewRecordFile {
  tenantId: string;
  caseId: string;
  name: string;
  parentId?: string;
  archiveEntry?: number;
  uploadedBy?: string | null;
  type?: DetectedType;
  stored?: StoredObject;
  preambleZeroed?: boolean;
  /** A refusal's code and arguments, and its words as said then (English, for readers that show text). */
  rejection?: StoredRejection;
  /** Archive children are inspected before their row is written, so they arrive final. */
  ready?: { dicom?: DicomMetadata };
  /** A rejected duplicate keeps its hash and size (not its bytes) and points at the kept copy. */
  duplicateOf?: { id: string; sha256: string; size: number };
}

type Row = Record<string, unknown>;

/** All SQL for record_files. Every call runs inside a TenantDatabase transaction; row-level security applies. */
@Injectable()
export class RecordFileRepository {
  async insert(tx: EntityManager, file: NewRecordFile): Promise<RecordFile> {
    const { stored, rejection, duplicateOf, ready } = file;
    const status: RecordStatus = rejection ? 'rejected' : ready ? 'ready' : 'uploaded';
    const row = await one<Row>(
      tx,
      `INSERT INTO record_files (tenant_id, case_id, parent_id, archive_entry, status, rejection_code, rejection_message,
         rejection_values, display_name, detected_type, size_bytes, sha256, storage_backend, storage_key, key_id, wrapped_key, preamble_zeroed,
         duplicate_of, uploaded_by, dicom, processed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $20::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb,
         CASE WHEN $5::text = 'uploaded' THEN NULL ELSE now() END)
       RETURNING *`,
      [
        file.tenantId,
        file.caseId,
        file.parentId ?? null,
        file.archiveEntry ?? null,
        status,
        rejection?.code ?? null,
        rejection?.message ?? null,
        file.name,
        file.type ?? null,
        stored?.size ?? duplicateOf?.size ?? null,
        stored?.sha256 ?? duplicateOf?.sha256 ?? null,
        rejection ? null : (stored?.backend ?? null),
        rejection ? null : (stored?.key ?? null),
        rejection ? null : (stored?.keyId ?? null),
        rejection ? null : (stored?.wrappedKey ?? null),
        file.preambleZeroed ?? false,
        duplicateOf?.id ?? null,
        file.uploadedBy ?? null,
        json(ready?.dicom),
        json(rejection?.values),
      ],
    );
    return toRecordFile(row);
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<RecordFile | null> {
    const row = await first<Row>(tx, 'SELECT * FROM record_files WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return row ? toRecordFile(row) : null;
  }

  async listForCase(tx: EntityManager, tenantId: string, caseId: string): Promise<RecordFile[]> {
    const files = await rows<Row>(
      tx,
      'SELECT * FROM record_files WHERE tenant_id = $1 AND case_id = $2 ORDER BY created_at, archive_entry NULLS FIRST',
      [tenantId, caseId],
    );
    return files.map(toRecordFile);
  }

  /**
   * The case's ready DICOM files of one study, narrowed to a series and an instance when given, in listForCase's
   * order, and the study's first file: what one DICOMweb retrieval needs, without reading the whole case's rows.
   */
  async dicomInScope(
    tx: EntityManager,
    tenantId: string,
    caseId: string,
    scope: { studyUid: string; seriesUid?: string; instanceUid?: string },
  ): Promise<{ firstOfStudy: string | null; files: RecordFile[] }> {
    const study = `tenant_id = $1 AND case_id = $2 AND status = 'ready' AND dicom->>'studyInstanceUid' = $3`;
    const order = 'ORDER BY created_at, archive_entry NULLS FIRST';
    const first = await rows<{ id: string }>(tx, `SELECT id FROM record_files WHERE ${study} ${order} LIMIT 1`, [
      tenantId,
      caseId,
      scope.studyUid,
    ]);
    const files = await rows<Row>(
      tx,
      `SELECT * FROM record_files WHERE ${study}
         AND ($4::text IS NULL OR dicom->>'seriesInstanceUid' = $4) AND ($5::text IS NULL OR dicom->>'sopInstanceUid' = $5) ${order}`,
      [tenantId, caseId, scope.studyUid, scope.seriesUid ?? null, scope.instanceUid ?? null],
    );
    return { firstOfStudy: first[0]?.id ?? null, files: files.map(toRecordFile) };
  }

  async children(tx: EntityManager, tenantId: string, parentId: string): Promise<RecordFile[]> {
    const files = await rows<Row>(tx, 'SELECT * FROM record_files WHERE tenant_id = $1 AND parent_id = $2 ORDER BY archive_entry', [
      tenantId,
      parentId,
    ]);
    return files.map(toRecordFile);
  }

  /** Bytes a case holds: kept files only (rejected files and expanded archives hold none). */
  async caseUsage(tx: EntityManager, tenantId: string, caseId: string): Promise<number> {
    // bigint: pg hands it over as a string.
    const row = await one<{ used: string }>(
      tx,
      `SELECT COALESCE(SUM(size_bytes), 0)::bigint AS used FROM record_files
       WHERE tenant_id = $1 AND case_id = $2 AND status <> 'rejected' AND storage_key IS NOT NULL`,
      [tenantId, caseId],
    );
    return Number(row.used);
  }

  /** Serialises the quota check and duplicate check of concurrent uploads to one case, until commit. */
  async lockCase(tx: EntityManager, tenantId: string, caseId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`record_files:${tenantId}:${caseId}`]);
  }

  async findCopy(tx: EntityManager, tenantId: string, caseId: string, sha256: string): Promise<RecordFile | null> {
    const row = await first<Row>(
      tx,
      `SELECT * FROM record_files WHERE tenant_id = $1 AND case_id = $2 AND sha256 = $3 AND status <> 'rejected'`,
      [tenantId, caseId, sha256],
    );
    return row ? toRecordFile(row) : null;
  }

  /**
   * Takes a file for processing under a lease: from `uploaded`, or from `processing` whose lease lapsed (its attempt
   * died). Null when the file is finished or another attempt holds it.
   */
  async claim(tx: EntityManager, tenantId: string, id: string, token: string, leaseSeconds: number): Promise<RecordFile | null> {
    const row = await first<Row>(
      tx,
      `UPDATE record_files SET status = 'processing', claim_token = $3, claimed_until = now() + make_interval(secs => $4), updated_at = now()
       WHERE tenant_id = $1 AND id = $2
         AND (status = 'uploaded' OR (status = 'processing' AND (claimed_until IS NULL OR claimed_until < now())))
       RETURNING *`,
      [tenantId, id, token, leaseSeconds],
    );
    return row ? toRecordFile(row) : null;
  }

  /** Extends a held lease; false when it was lost (it lapsed and another attempt took the file). */
  async renew(tx: EntityManager, tenantId: string, id: string, token: string, leaseSeconds: number): Promise<boolean> {
    const changed = await affected(
      tx,
      `UPDATE record_files SET claimed_until = now() + make_interval(secs => $4)
       WHERE tenant_id = $1 AND id = $2 AND status = 'processing' AND claim_token = $3`,
      [tenantId, id, token, leaseSeconds],
    );
    return changed === 1;
  }

  async markReady(
    tx: EntityManager,
    tenantId: string,
    id: string,
    token: string,
    result: { dicom?: DicomMetadata; archive?: ArchiveSummary; dropStorage?: boolean },
  ): Promise<boolean> {
    const changed = await affected(
      tx,
      `UPDATE record_files SET status = 'ready', dicom = $3::jsonb, archive = $4::jsonb, processed_at = now(), updated_at = now(),
         storage_key = CASE WHEN $5 THEN NULL ELSE storage_key END,
         storage_backend = CASE WHEN $5 THEN NULL ELSE storage_backend END,
         key_id = CASE WHEN $5 THEN NULL ELSE key_id END,
         wrapped_key = CASE WHEN $5 THEN NULL ELSE wrapped_key END,
         claim_token = NULL, claimed_until = NULL
       WHERE tenant_id = $1 AND id = $2 AND status = 'processing' AND claim_token = $6`,
      [tenantId, id, json(result.dicom), json(result.archive), result.dropStorage ?? false, token],
    );
    return changed === 1;
  }

  /** Rejected files keep no bytes: the caller deletes the stored object after this commits. */
  async markRejected(tx: EntityManager, tenantId: string, id: string, token: string, rejection: StoredRejection): Promise<boolean> {
    const changed = await affected(
      tx,
      `UPDATE record_files SET status = 'rejected', rejection_code = $3, rejection_message = $4,
         rejection_values = $6::jsonb, storage_backend = NULL, storage_key = NULL, key_id = NULL, wrapped_key = NULL,
         claim_token = NULL, claimed_until = NULL, processed_at = now(), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = 'processing' AND claim_token = $5`,
      [tenantId, id, rejection.code, rejection.message, token, json(rejection.values)],
    );
    return changed === 1;
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query('DELETE FROM record_files WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }
}

function json(value: object | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function toRecordFile(row: Row): RecordFile {
  const stored: StoredObject | null = row.storage_key
    ? {
        backend: row.storage_backend as StorageBackend,
        key: row.storage_key as string,
        size: Number(row.size_bytes),
        sha256: row.sha256 as string,
        keyId: (row.key_id as string | null) ?? null,
        wrappedKey: (row.wrapped_key as Buffer | null) ?? null,
      }
    : null;
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    caseId: row.case_id as string,
    parentId: (row.parent_id as string | null) ?? null,
    archiveEntry: (row.archive_entry as number | null) ?? null,
    status: row.status as RecordStatus,
    rejection: row.rejection_code
      ? {
          code: row.rejection_code as string,
          message: row.rejection_message as string,
          ...(row.rejection_values ? { values: row.rejection_values as StoredRejection['values'] } : {}),
        }
      : null,
    name: row.display_name as string,
    detectedType: (row.detected_type as DetectedType | null) ?? null,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: (row.sha256 as string | null) ?? null,
    stored,
    preambleZeroed: row.preamble_zeroed as boolean,
    duplicateOf: (row.duplicate_of as string | null) ?? null,
    dicom: (row.dicom as DicomMetadata | null) ?? null,
    archive: (row.archive as ArchiveSummary | null) ?? null,
    uploadedBy: (row.uploaded_by as string | null) ?? null,
    createdAt: row.created_at as Date,
    processedAt: (row.processed_at as Date | null) ?? null,
  };
}
