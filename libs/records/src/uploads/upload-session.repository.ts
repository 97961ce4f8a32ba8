import { Injectable } from '@nestjs/common';
import { first, one, rows } from '@consilium/core';
import { EntityManager } from 'typeorm';

export interface UploadSession {
  id: string;
  tenantId: string;
  caseId: string;
  name: string;
  uploadLength: number;
  uploadOffset: number;
  frames: number;
  stagedBytes: number;
  keyId: string;
  wrappedKey: Buffer;
  fileId: string | null;
  expiresAt: Date;
}

type Row = Record<string, unknown>;

/** All SQL for upload_sessions, inside TenantDatabase transactions. */
@Injectable()
export class UploadSessionRepository {
  async insert(
    tx: EntityManager,
    session: Pick<
      UploadSession,
      'id' | 'tenantId' | 'caseId' | 'name' | 'uploadLength' | 'stagedBytes' | 'keyId' | 'wrappedKey' | 'expiresAt'
    > & { createdBy: string | null },
  ): Promise<UploadSession> {
    const row = await one<Row>(
      tx,
      `INSERT INTO upload_sessions (tenant_id, id, case_id, display_name, upload_length, staged_bytes, key_id, wrapped_key, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        session.tenantId,
        session.id,
        session.caseId,
        session.name,
        session.uploadLength,
        session.stagedBytes,
        session.keyId,
        session.wrappedKey,
        session.createdBy,
        session.expiresAt,
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

  async advance(
    tx: EntityManager,
    tenantId: string,
    id: string,
    progress: { offset: number; frames: number; stagedBytes: number },
  ): Promise<void> {
    await tx.query(
      'UPDATE upload_sessions SET upload_offset = $3, frames = $4, staged_bytes = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2',
      [tenantId, id, progress.offset, progress.frames, progress.stagedBytes],
    );
  }

  async complete(tx: EntityManager, tenantId: string, id: string, fileId: string): Promise<void> {
    await tx.query('UPDATE upload_sessions SET file_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, fileId]);
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query('DELETE FROM upload_sessions WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  }

  async expired(tx: EntityManager, tenantId: string, now: Date): Promise<string[]> {
    const sessions = await rows<{ id: string }>(tx, 'SELECT id FROM upload_sessions WHERE tenant_id = $1 AND expires_at <= $2', [
      tenantId,
      now,
    ]);
    return sessions.map((r) => r.id);
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
    frames: row.frames as number,
    stagedBytes: Number(row.staged_bytes),
    keyId: row.key_id as string,
    wrappedKey: row.wrapped_key as Buffer,
    fileId: (row.file_id as string | null) ?? null,
    expiresAt: row.expires_at as Date,
  };
}
