import { Injectable, Logger } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { createHash, randomUUID } from 'node:crypto';
import { displayName } from '../display-name';
import { RecordFile, RecordFileRepository } from '../record-file.repository';
import { CaseStorageFull, FileRejected, RecordsError, UploadTooLarge } from '../records.errors';
import { CaseRef, RecordsService } from '../records.service';
import { RecordsSettings } from '../records-settings';
import { UploadBusy, UploadChecksumMismatch, UploadLengthExceeded, UploadOffsetMismatch } from './upload.errors';
import { UploadSession, UploadSessionRepository } from './upload-session.repository';
import { stagedBytes, UploadStaging } from './upload-staging';

export interface AppendOutcome {
  session: UploadSession;
  /** Set once the last byte arrived and the file went through the same pipeline as any upload. */
  file: RecordFile | null;
}

export interface PartChecksum {
  algorithm: 'sha1' | 'sha256';
  digest: Buffer;
}

/** How long an append or a completion holds its upload; renewed while it works, so only a dead holder's lapses. */
const LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 5000;

/**
 * Resumable uploads (the tus 1.0 model, transport-free): a session announces its length, parts append at the
 * current offset, a dropped connection keeps what arrived, and the finished bytes go through
 * `RecordsService.receive` like any other upload (type by content, SHA-256 of the whole file, limits, duplicates).
 * Nothing lives in one instance's memory or disk: the parts are staged in the records storage (UploadStaging) and
 * committed in the session's row, and a lease on the row lets one append at a time work on an upload, whichever
 * instance it reached; an instance that dies mid-append leaves a lease that lapses within LEASE_SECONDS.
 */
@Injectable()
export class ResumableUploads {
  private readonly logger = new Logger('ResumableUploads');

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
    expectedSha256: string | null = null,
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
        this.sessions.insert(tx, {
          id,
          tenantId,
          caseId,
          name: displayName(declaredName),
          uploadLength,
          backend: this.staging.backend,
          ...staged,
          expiresAt,
          createdBy,
          expectedSha256,
        }),
      );
    } catch (error) {
      await this.staging.remove({ id, storageUploadId: staged.storageUploadId, tail: null });
      throw error;
    }
  }

  /** upload_not_found (404) for an unknown, expired, other-case or other-hospital session: all look alike. */
  async status(ref: CaseRef, id: string): Promise<UploadSession> {
    const session = await this.db.forTenant(ref.tenantId, (tx) => this.sessions.find(tx, ref.tenantId, ref.caseId, id));
    if (!session || session.backend !== this.staging.backend) throw uploadNotFound();
    return session;
  }

  async append(ref: CaseRef, id: string, offset: number, source: AsyncIterable<Buffer>, checksum?: PartChecksum): Promise<AppendOutcome> {
    return this.leased(ref, id, async (leased, token) => {
      let session = leased;
      if (offset !== session.uploadOffset) throw new UploadOffsetMismatch();
      if (session.uploadOffset < session.uploadLength) session = await this.stage(session, token, source, checksum);
      if (session.uploadOffset < session.uploadLength) return { session, file: null };
      if (session.fileId) return { session, file: await this.records.find(ref.tenantId, session.fileId) };
      return { session, file: await this.finish(ref, session) };
    });
  }

  async terminate(ref: CaseRef, id: string): Promise<void> {
    await this.leased(ref, id, (session) => this.remove(ref.tenantId, session));
  }

  /** Deletes a tenant's expired sessions and their staged bytes (UploadSweep calls this hourly). */
  async removeExpired(tenantId: string, now = new Date()): Promise<number> {
    const expired = await this.db.forTenant(tenantId, (tx) => this.sessions.expired(tx, tenantId, now));
    for (const session of expired) await this.remove(tenantId, session);
    return expired.length;
  }

  /** Runs `work` holding the session's lease, renewed until it returns; UploadBusy while another holds it. */
  private async leased<T>(ref: CaseRef, id: string, work: (session: UploadSession, token: string) => Promise<T>): Promise<T> {
    const { tenantId, caseId } = ref;
    const token = randomUUID();
    const session = await this.db.forTenant(tenantId, (tx) => this.sessions.lease(tx, tenantId, caseId, id, token, LEASE_SECONDS));
    if (!session) {
      await this.status(ref, id);
      throw new UploadBusy();
    }
    const timer = setInterval(() => {
      this.db
        .forTenant(tenantId, (tx) => this.sessions.renew(tx, tenantId, id, token, LEASE_SECONDS))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not renew an upload lease'));
    }, RENEW_EVERY_MS);
    try {
      if (session.backend !== this.staging.backend) throw uploadNotFound();
      return await work(session, token);
    } finally {
      clearInterval(timer);
      await this.db
        .forTenant(tenantId, (tx) => this.sessions.release(tx, tenantId, id, token))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not release an upload lease'));
    }
  }

  /** One append: staged, checked, then committed in the row (only while this append still holds the lease). */
  private async stage(
    session: UploadSession,
    token: string,
    source: AsyncIterable<Buffer>,
    checksum?: PartChecksum,
  ): Promise<UploadSession> {
    const remaining = session.uploadLength - session.uploadOffset;
    const hash = checksum ? createHash(checksum.algorithm) : null;
    const progress = { received: 0, interrupted: false };
    async function* body(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of source) {
          progress.received += chunk.length;
          if (progress.received > remaining) throw new UploadLengthExceeded();
          hash?.update(chunk);
          yield chunk;
        }
      } catch (error) {
        if (error instanceof UploadLengthExceeded) throw error;
        // The client went away: what arrived is kept, and the upload resumes from there.
        progress.interrupted = true;
      }
    }
    const staged = await this.staging.append(session, body());
    // A part that cannot be verified is not kept at all (tus checksum extension).
    if (checksum && (progress.interrupted || !hash!.digest().equals(checksum.digest))) {
      await this.staging.discard(session, staged);
      if (progress.interrupted) return session;
      throw new UploadChecksumMismatch();
    }
    if (staged.received === 0) return session;
    const next: UploadSession = { ...session, ...staged.state, uploadOffset: stagedBytes(staged.state) };
    const committed = await this.db.forTenant(session.tenantId, (tx) =>
      this.sessions.advance(tx, session.tenantId, session.id, token, session.uploadOffset, { ...staged.state, offset: next.uploadOffset }),
    );
    if (!committed) {
      await this.staging.discard(session, staged);
      throw new UploadBusy();
    }
    await this.staging
      .superseded(session, staged)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not delete a superseded staged object'));
    return next;
  }

  private async finish(ref: CaseRef, session: UploadSession): Promise<RecordFile> {
    const source = this.staging.read(session);
    let file: RecordFile;
    try {
      file = await this.records.receive(ref, source, session.name, {
        uploadedBy: session.createdBy,
        expectedSha256: session.expectedSha256,
      });
    } catch (error) {
      // The case filled up meanwhile: this upload can never complete, so it is not kept for a retry.
      if (error instanceof FileRejected && error.endsRequest) await this.remove(ref.tenantId, session);
      throw error;
    } finally {
      // A refusal leaves the staged bytes unread: close what reads them.
      await source.return(undefined);
    }
    await this.db.forTenant(ref.tenantId, (tx) => this.sessions.complete(tx, ref.tenantId, session.id, file.id));
    await this.staging
      .remove(session)
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove the staged bytes of a finished upload'));
    return file;
  }

  private async remove(tenantId: string, session: UploadSession): Promise<void> {
    await this.db.forTenant(tenantId, (tx) => this.sessions.delete(tx, tenantId, session.id));
    await this.staging.remove(session);
  }
}

/** A session staged in another storage (the setting changed since it began) cannot be continued here either. */
function uploadNotFound(): InstanceType<typeof RecordsError> {
  return new RecordsError('upload_not_found');
}
