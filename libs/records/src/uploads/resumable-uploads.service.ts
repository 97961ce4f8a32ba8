import { Injectable } from '@nestjs/common';
import { NotFound, TenantDatabase } from '@consilium/core';
import { randomUUID } from 'node:crypto';
import { displayName } from '../display-name';
import { RecordFile, RecordFileRepository } from '../record-file.repository';
import { CaseStorageFull, FileRejected, UploadTooLarge } from '../records.errors';
import { CaseRef, RecordsService } from '../records.service';
import { RecordsSettings } from '../records-settings';
import { UploadBusy, UploadOffsetMismatch } from './upload.errors';
import { UploadSession, UploadSessionRepository } from './upload-session.repository';
import { PartChecksum, UploadStaging } from './upload-staging';

export interface AppendOutcome {
  session: UploadSession;
  /** Set once the last byte arrived and the file went through the same pipeline as any upload. */
  file: RecordFile | null;
}

/**
 * Resumable uploads (the tus 1.0 model, transport-free): a session announces its length, parts append at the
 * current offset, a dropped connection keeps what arrived, and the finished bytes go through
 * `RecordsService.receive` like any other upload. Staged parts live on this instance's disk, so with several
 * instances a load balancer must keep an upload on one (or DATA_DIR must be shared); the in-process lock below
 * stops two parts of one upload writing at once.
 */
@Injectable()
export class ResumableUploads {
  private readonly busy = new Set<string>();

  constructor(
    private readonly db: TenantDatabase,
    private readonly sessions: UploadSessionRepository,
    private readonly files: RecordFileRepository,
    private readonly staging: UploadStaging,
    private readonly records: RecordsService,
    private readonly settings: RecordsSettings,
  ) {}

  async create(
    ref: CaseRef,
    uploadLength: number,
    declaredName: string | null | undefined,
    createdBy: string | null = null,
  ): Promise<UploadSession> {
    const { tenantId, caseId } = ref;
    if (uploadLength > this.settings.maxFileBytes) throw new UploadTooLarge(this.settings.maxFileBytes);
    const used = await this.db.forTenant(tenantId, (tx) => this.files.caseUsage(tx, tenantId, caseId));
    if (used + uploadLength > this.settings.maxCaseBytes) throw new CaseStorageFull(this.settings.maxCaseBytes);
    const id = randomUUID();
    const staged = await this.staging.create(id);
    const expiresAt = new Date(Date.now() + this.settings.uploadExpiryHours * 3600_000);
    try {
      return await this.db.forTenant(tenantId, (tx) =>
        this.sessions.insert(tx, { id, tenantId, caseId, name: displayName(declaredName), uploadLength, ...staged, expiresAt, createdBy }),
      );
    } catch (error) {
      await this.staging.delete(id);
      throw error;
    }
  }

  /** NotFound for an unknown, expired, other-case or other-hospital session: all look alike. */
  async status(ref: CaseRef, id: string): Promise<UploadSession> {
    const session = await this.db.forTenant(ref.tenantId, (tx) => this.sessions.find(tx, ref.tenantId, ref.caseId, id));
    if (!session) throw new NotFound('We could not find that upload. It may have expired; please start it again.');
    return session;
  }

  async append(ref: CaseRef, id: string, offset: number, source: AsyncIterable<Buffer>, checksum?: PartChecksum): Promise<AppendOutcome> {
    if (this.busy.has(id)) throw new UploadBusy();
    this.busy.add(id);
    try {
      let session = await this.status(ref, id);
      if (offset !== session.uploadOffset) throw new UploadOffsetMismatch();
      if (session.uploadOffset < session.uploadLength) {
        const result = await this.staging.append(session, source, checksum);
        await this.db.forTenant(ref.tenantId, (tx) => this.sessions.advance(tx, ref.tenantId, id, result));
        session = { ...session, uploadOffset: result.offset, frames: result.frames, stagedBytes: result.stagedBytes };
      }
      if (session.uploadOffset < session.uploadLength) return { session, file: null };
      if (session.fileId) return { session, file: await this.records.find(ref.tenantId, session.fileId) };
      return { session, file: await this.finish(ref, session) };
    } finally {
      this.busy.delete(id);
    }
  }

  async terminate(ref: CaseRef, id: string): Promise<void> {
    if (this.busy.has(id)) throw new UploadBusy();
    await this.status(ref, id);
    await this.remove(ref.tenantId, id);
  }

  /** Deletes a tenant's expired sessions and their staged bytes (UploadSweep calls this hourly). */
  async removeExpired(tenantId: string, now = new Date()): Promise<number> {
    const ids = await this.db.forTenant(tenantId, (tx) => this.sessions.expired(tx, tenantId, now));
    for (const id of ids) await this.remove(tenantId, id);
    return ids.length;
  }

  private async finish(ref: CaseRef, session: UploadSession): Promise<RecordFile> {
    let file: RecordFile;
    try {
      file = await this.records.receive(ref, this.staging.read(session), session.name);
    } catch (error) {
      // The case filled up meanwhile: this upload can never complete, so it is not kept for a retry.
      if (error instanceof FileRejected && error.endsRequest) await this.remove(ref.tenantId, session.id);
      throw error;
    }
    await this.db.forTenant(ref.tenantId, (tx) => this.sessions.complete(tx, ref.tenantId, session.id, file.id));
    await this.staging.delete(session.id);
    return file;
  }

  private async remove(tenantId: string, id: string): Promise<void> {
    await this.db.forTenant(tenantId, (tx) => this.sessions.delete(tx, tenantId, id));
    await this.staging.delete(id);
  }
}
