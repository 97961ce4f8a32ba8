import { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** How much written data may wait in the page cache before the disk is asked to catch up. */
const SYNC_EVERY = 32 * 1024 * 1024;

/**
 * A file sink whose data is on disk when it finishes. Instead of one fsync at the end (which for a 1 GiB upload
 * means receiving everything, then waiting seconds for the disk), it starts an fdatasync every 32 MiB in the
 * background, so the disk writes while the network and the cipher keep working, and the final fsync has little left.
 */
export class DurableFileSink extends Writable {
  private written = 0;
  private syncedAt = 0;
  private syncing: Promise<void> | null = null;

  constructor(private readonly handle: FileHandle) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    const expected = buffers.reduce((sum, b) => sum + b.length, 0);
    this.handle.writev(buffers).then(({ bytesWritten }) => {
      if (bytesWritten !== expected) throw new Error('Short write while storing a file');
      this.written += bytesWritten;
      if (!this.syncing && this.written - this.syncedAt >= SYNC_EVERY) {
        const upTo = this.written;
        this.syncing = this.handle.datasync().then(() => {
          this.syncedAt = upTo;
          this.syncing = null;
        });
      }
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    Promise.resolve(this.syncing)
      .then(() => this.handle.sync())
      .then(() => callback(), callback);
  }
}
