import { StorageBackend } from '../storage/file-storage';
import { StagedPart, StagedTail, StagingState, UploadSession } from './upload-session.repository';

/** What a new session's row needs from its staging area. */
export interface StagingInit {
  keyId: string | null;
  wrappedKey: Buffer | null;
  storageUploadId: string | null;
}

/** The outcome of one append's writes, not yet committed: `state` is the staging state if it is. */
export interface StagedAppend {
  received: number;
  state: StagingState;
  /** Written by this append: removed if it is not committed. */
  written: { parts: StagedPart[]; tail: StagedTail | null };
  /** What the committed state no longer needs (an S3 tail folded into a part): removed after the commit. */
  superseded: StagedTail | null;
}

/**
 * Partial resumable uploads, staged in the records storage itself so that any instance sharing it can take the next
 * part: S3 multipart upload parts, or sealed part files under the local storage root. An implementation keeps no
 * state between calls: everything it needs is in the session row, and an append's writes count only once the row
 * commits them (`ResumableUploads`), so an append cut off by a crash leaves only bytes nothing refers to.
 */
export abstract class UploadStaging {
  abstract readonly backend: StorageBackend;

  abstract create(id: string): Promise<StagingInit>;

  /**
   * Stages `body`, the bytes of one append (already checked against the announced length). It ends quietly when the
   * client went away: what arrived is staged and may be committed.
   */
  abstract append(session: UploadSession, body: AsyncIterable<Buffer>): Promise<StagedAppend>;

  /** Removes the writes of an append that was not committed (a checksum mismatch, a lost lease). */
  abstract discard(session: UploadSession, append: StagedAppend): Promise<void>;

  /** After an append's commit: removes what it superseded. */
  abstract superseded(session: UploadSession, append: StagedAppend): Promise<void>;

  /** The whole upload's plaintext, in order, every part checked; all bytes must have been committed. */
  abstract read(session: UploadSession): AsyncGenerator<Buffer>;

  /** Removes everything staged for the session (finished, abandoned or expired). Idempotent. */
  abstract remove(session: Pick<UploadSession, 'id' | 'storageUploadId' | 'tail'>): Promise<void>;

  /**
   * Removes staging that no live session can own, untouched since `before` (a crash between writing and recording
   * it). Returns how many were removed. S3 leaves this to the bucket's lifecycle rule for incomplete uploads.
   */
  abstract removeStrays(before: Date): Promise<number>;
}

/** Bytes committed by a staging state. */
export function stagedBytes(state: StagingState): number {
  return state.parts.reduce((sum, part) => sum + part.size, 0) + (state.tail?.size ?? 0);
}
