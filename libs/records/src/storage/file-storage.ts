import { createHash } from 'node:crypto';

export type StorageBackend = 'local' | 's3';

/** Where and how one file's bytes are kept. `size` and `sha256` describe the plaintext. */
export interface StoredObject {
  backend: StorageBackend;
  key: string;
  size: number;
  sha256: string;
  /** Local storage: the file's data key, wrapped by the master key `keyId`. Null on S3 (KMS holds the keys). */
  keyId: string | null;
  wrappedKey: Buffer | null;
}

/**
 * Encrypted file storage. A write becomes visible only once complete (a temporary name renamed at the end, or an S3
 * multipart upload completed at the end): an interrupted or refused upload leaves nothing behind. Reads hand out
 * only bytes that passed their integrity check.
 */
export abstract class FileStorage {
  abstract readonly backend: StorageBackend;
  /** Random-access reads are cheapest in blocks of this size (one frame locally, one ranged GET on S3). */
  abstract readonly blockSize: number;

  /** Stores the plaintext stream; SHA-256 and size are measured on the way through. */
  abstract write(source: AsyncIterable<Buffer>): Promise<StoredObject>;

  /** The whole plaintext, in order; throws StoredFileDamaged at the first part that fails its check. */
  abstract read(object: StoredObject): AsyncIterable<Buffer>;

  /** Plaintext bytes [start, end). */
  abstract readRange(object: StoredObject, start: number, end: number): AsyncIterable<Buffer>;

  abstract delete(object: Pick<StoredObject, 'key'>): Promise<void>;

  /** Reads everything once without handing anything out: a download checks first, then streams. */
  async verify(object: StoredObject): Promise<void> {
    for await (const chunk of this.read(object)) void chunk;
  }
}

/** Counts and hashes a stream as it passes; `result()` is valid once the stream has been consumed. */
export class StreamMeasure {
  private readonly hash = createHash('sha256');
  size = 0;

  async *pass(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.hash.update(chunk);
      this.size += chunk.length;
      yield chunk;
    }
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}
