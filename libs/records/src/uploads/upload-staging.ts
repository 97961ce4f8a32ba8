import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { StoredFileDamaged } from '../records.errors';
import { RecordsSettings } from '../records-settings';
import { FileKeyring } from '../storage/file-keyring';
import { FRAME_OVERHEAD, FRAME_SIZE, FrameOpener, FrameSealer, HEADER_SIZE, newHeader } from '../storage/framed-cipher';
import { UploadChecksumMismatch, UploadLengthExceeded } from './upload.errors';
import { UploadSession } from './upload-session.repository';

export interface AppendResult {
  offset: number;
  frames: number;
  stagedBytes: number;
  /** The client went away mid-part: what arrived is kept, and the upload resumes from `offset`. */
  interrupted: boolean;
}

export interface PartChecksum {
  algorithm: 'sha1' | 'sha256';
  digest: Buffer;
}

/**
 * Partial resumable uploads on local disk, sealed like stored files (a data key per upload, wrapped by the master
 * key) so PHI is never at rest in the clear, even half-uploaded. Each part appends frames; a part cut off by a
 * dropped connection still seals what arrived as a short frame, so the upload resumes at the last byte received.
 * The database row is the commit point: an append always starts by cutting the file back to the committed size.
 */
@Injectable()
export class UploadStaging {
  constructor(
    private readonly settings: RecordsSettings,
    private readonly keyring: FileKeyring,
  ) {}

  async create(id: string): Promise<{ keyId: string; wrappedKey: Buffer; stagedBytes: number }> {
    await mkdir(this.settings.uploadsDir, { recursive: true, mode: 0o700 });
    const dataKey = this.keyring.newDataKey();
    const handle = await open(this.pathOf(id), 'wx', 0o600);
    try {
      await handle.write(newHeader());
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { keyId: dataKey.keyId, wrappedKey: dataKey.wrapped, stagedBytes: HEADER_SIZE };
  }

  async append(session: UploadSession, source: AsyncIterable<Buffer>, checksum?: PartChecksum): Promise<AppendResult> {
    const handle = await open(this.pathOf(session.id), 'r+');
    try {
      await handle.truncate(session.stagedBytes);
      const header = Buffer.alloc(HEADER_SIZE);
      await handle.read(header, 0, HEADER_SIZE, 0);
      const sealer = new FrameSealer(this.keyring.unwrap(session.wrappedKey, session.keyId), header, session.frames);
      const remaining = session.uploadLength - session.uploadOffset;
      const hash = checksum ? createHash(checksum.algorithm) : null;
      let position = session.stagedBytes;
      let received = 0;
      let interrupted = false;
      const write = async (parts: Buffer[]) => {
        if (parts.length === 0) return;
        const expected = parts.reduce((sum, part) => sum + part.length, 0);
        const { bytesWritten } = await handle.writev(parts, position);
        // A short write (a full disk) must fail the part, not leave a gap the next frame is written after.
        if (bytesWritten !== expected) throw new Error('Short write while staging an upload');
        position += bytesWritten;
      };
      const rollback = () => handle.truncate(session.stagedBytes);
      try {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > remaining) throw new UploadLengthExceeded();
          hash?.update(chunk);
          await write(sealer.push(chunk));
        }
      } catch (error) {
        if (error instanceof UploadLengthExceeded) {
          await rollback();
          throw error;
        }
        interrupted = true;
      }
      if (checksum && (interrupted || !hash!.digest().equals(checksum.digest))) {
        // A part that cannot be verified is not kept at all (tus checksum extension).
        await rollback();
        if (interrupted) return { offset: session.uploadOffset, frames: session.frames, stagedBytes: session.stagedBytes, interrupted };
        throw new UploadChecksumMismatch();
      }
      await write(sealer.finish(received === remaining));
      await handle.sync();
      return { offset: session.uploadOffset + received, frames: sealer.frames, stagedBytes: position, interrupted };
    } finally {
      await handle.close();
    }
  }

  /** The finished upload's plaintext, every frame checked. */
  async *read(session: UploadSession): AsyncGenerator<Buffer> {
    const file = this.pathOf(session.id);
    const header = Buffer.alloc(HEADER_SIZE);
    const handle = await open(file, 'r');
    try {
      await handle.read(header, 0, HEADER_SIZE, 0);
    } finally {
      await handle.close();
    }
    const opener = new FrameOpener(this.keyring.unwrap(session.wrappedKey, session.keyId), header, { lastFrame: session.frames - 1 });
    let total = 0;
    const stream = createReadStream(file, { start: HEADER_SIZE, end: session.stagedBytes - 1, highWaterMark: FRAME_SIZE + FRAME_OVERHEAD });
    for await (const chunk of stream) {
      for (const plain of opener.push(chunk as Buffer)) {
        total += plain.length;
        yield plain;
      }
    }
    opener.finish(true);
    if (total !== session.uploadLength) throw new StoredFileDamaged();
  }

  async delete(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /**
   * Deletes staged files last written before `before`. Appends only happen while a session is live, and a session
   * lives `uploadExpiryHours` from its creation, so with `before` that long ago a file this old belongs to no live
   * session: it is an expired, finished or abandoned upload (or one whose row went away in a crash).
   */
  async removeUntouchedSince(before: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.settings.uploadsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const id = /^([0-9a-f-]{36})\.part$/.exec(name)?.[1];
      if (!id) continue;
      const info = await stat(this.pathOf(id)).catch(() => undefined);
      if (info && info.mtime < before) {
        await this.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  private pathOf(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('Not an upload id');
    return path.join(this.settings.uploadsDir, `${id}.part`);
  }
}
