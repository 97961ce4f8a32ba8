import { Injectable } from '@nestjs/common';
import { affected, first, one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { StorageBackend } from '../storage/file-storage';

/** One committed part of a staged upload, in order. `tag`: the S3 ETag, or the local part file's nonce prefix. */
export interface StagedPart {
  number: number;
  size: number;
  tag: string;
}

/** S3: bytes too few for a part of their own (parts but the last must be 5 MiB or more), kept as an object. */
export interface StagedTail {
  key: string;
  size: number;
}

/** Where the upload's bytes are staged: everything any instance needs to continue or finish it. */
export interface StagingState {
  parts: StagedPart[];
  tail: StagedTail | null;
}

export interface UploadSession extends StagingState {
  id: string;
  tenantId: string;
  caseId: string;
  name: string;
  uploadLength: number;
  /** Bytes committed: the sum of the parts and the tail. */
  uploadOffset: number;
  backend: StorageBackend;
  /** Local staging: the upload's data key, wrapped by the master key `keyId`. */
  keyId: string | null;
  wrappedKey: Buffer | null;
  /** S3 staging: the multipart upload's id. */
  storageUploadId: string | null;
  fileId: string | null;
  createdBy: string | null;
  expiresAt: Date;
  /** The sender's SHA-256 (hex) of the whole file, when it announced one: the completed file must have it. */
  expectedSha256: string | null;
}

export type NewUploadSession = Pick<
  UploadSession,
  | 'id'
  | 'tenantId'
  | 'caseId'
  | 'name'
  | 'uploadLength'
  | 'backend'
  | 'keyId'
  | 'wrappedKey'
  | 'storageUploadId'
  | 'expiresAt'
  | 'createdBy'
  | 'expectedSha256'
>;

type Row = Record<string, unknown>;

/**
 * All SQL for upload_sessions, inside TenantDatabase transactions. The row is the upload's commit point; its lease
 * (token and expiry) lets one append or completion at a time work on it, whichever instance runs it.
 */
@Injectable()
export class UploadSessionRepository {
  async insert(tx: EntityManager, session: NewUploadSession): Promise<UploadSession> {
    const row = await one<Row>(
      tx,
      `INSERT INTO upload_sessions (tenant_id, id, case_id, display_name, upload_length, storage_backend, key_id, wrapped_key,
                                    storage_upload_id, created_by, expires_at, expected_sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        session.tenantId,
        session.id,
        session.caseId,
        session.name,
        session.uploadLength,
        session.backend,
        session.keyId,
        session.wrappedKey,
        session.storageUploadId,
        session.createdBy,
        session.expiresAt,
        session.expectedSha256,
      ],
    );
    return toSession(row);
  }

  /** A live session of this case; an expired one is as good as gone. */
  async find(tx: EntityManager, tenantId: string, caseId: string, id: string): Promise<UploadSession | null> {
    const row = await first<Row>(
      tx,
      'SELECT * FROM upload_sessions WHERE tenant_id = $1 AND case_id = $2 AND id = $3 AND expires_at > now()',
      [tenantId, caseId, id],
    );
    return row ? toSession(row) : null;
  }

  /** Takes the session's lease when nobody holds it (or the holder's has lapsed); null when it is held. */
  async lease(
    tx: EntityManager,
    tenantId: string,
    caseId: string,
    id: string,
    token: string,
    seconds: number,
  ): Promise<UploadSession | null> {
    const row = await first<Row>(
      tx,
      `UPDATE upload_sessions SET lease_token = $4, leased_until = now() + make_interval(secs => $5)
       WHERE tenant_id = $1 AND case_id = $2 AND id = $3 AND expires_at > now() AND (leased_until IS NULL OR leased_until < now())
       RETURNING *`,
      [tenantId, caseId, id, token, seconds],
    );
    return row ? toSession(row) : null;
  }

  /** Extends a lease still held by `token`; false when it was lost (lapsed and taken, or the session removed). */
  async renew(tx: EntityManager, tenantId: string, id: string, token: string, seconds: number): Promise<boolean> {
    const changed = await affected(
      tx,
      `UPDATE upload_sessions SET leased_until = now() + make_interval(secs => $4) WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
      [tenantId, id, token, seconds],
    );
    return changed === 1;
  }

  async release(tx: EntityManager, tenantId: string, id: string, token: string): Promise<void> {
    await tx.query(
      'UPDATE upload_sessions SET lease_token = NULL, leased_until = NULL WHERE tenant_id = $1 AND id = $2 AND lease_token = $3',
      [tenantId, id, token],
    );
  }

  /**
   * Commits an append: the new staging state and offset, only if `token` still holds the lease and nothing moved
   * the offset meanwhile. False means the append lost its lease, and its bytes must not count.
   */
  async advance(
    tx: EntityManager,
    tenantId: string,
    id: string,
    token: string,
    from: number,
    progress: StagingState & { offset: number },
  ): Promise<boolean> {
    const changed = await affected(
      tx,
      `UPDATE upload_sessions SET upload_offset = $5, parts = $6::jsonb, tail = $7::jsonb, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND lease_token = $3 AND upload_offset = $4`,
      [tenantId, id, token, from, progress.offset, JSON.stringify(progress.parts), progress.tail ? JSON.stringify(progress.tail) : null],
    );
    return changed === 1;
  }

  async complete(tx: EntityManager, tenantId: string, id: string, fileId: string): Promise<void> {
    await tx.query('UPDATE upload_sessions SET file_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, fileId]);
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query('DELETE FROM upload_sessions WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  async expired(tx: EntityManager, tenantId: string, now: Date): Promise<UploadSession[]> {
    const expired = await rows<Row>(tx, 'SELECT * FROM upload_sessions WHERE tenant_id = $1 AND expires_at <= $2', [tenantId, now]);
    return expired.map(toSession);
  }
}

function toSession(row: Row): UploadSession {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    caseId: row.case_id as string,
    name: row.display_name as string,
    uploadLength: Number(row.upload_length),
    uploadOffset: Number(row.upload_offset),
    backend: row.storage_backend as StorageBackend,
    keyId: (row.key_id as string | null) ?? null,
    wrappedKey: (row.wrapped_key as Buffer | null) ?? null,
    storageUploadId: (row.storage_upload_id as string | null) ?? null,
    parts: row.parts as StagedPart[],
    tail: (row.tail as StagedTail | null) ?? null,
    fileId: (row.file_id as string | null) ?? null,
    createdBy: (row.created_by as string | null) ?? null,
    expiresAt: row.expires_at as Date,
    expectedSha256: (row.expected_sha256 as string | null) ?? null,
  };
}
