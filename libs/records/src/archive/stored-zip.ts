import { Readable } from 'node:stream';
import yauzl, { Entry, RandomAccessReader, ZipFile } from 'yauzl';
import { ArchiveDamaged } from '../records.errors';
import { FileStorage, StoredObject } from '../storage/file-storage';

const CACHED_BLOCKS = 8;

/**
 * yauzl's random access over a stored (encrypted) archive. Entry data streams straight from storage; the many small
 * reads of the central directory are served from a few cached blocks, so listing 5,000 entries does not decrypt (or,
 * on S3, fetch) a block per entry.
 */
class StoredArchiveReader extends RandomAccessReader {
  private readonly blocks = new Map<number, Buffer>();

  constructor(
    private readonly storage: FileStorage,
    private readonly object: StoredObject,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from(this.storage.readRange(this.object, start, end), { objectMode: false });
  }

  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    this.readCached(buffer, offset, length, position).then(
      (n) => callback(null, n),
      (error: Error) => callback(error),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.blocks.clear();
    callback(null);
  }

  private async readCached(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const size = this.storage.blockSize;
    let copied = 0;
    while (copied < length && position + copied < this.object.size) {
      const at = position + copied;
      const block = await this.block(Math.floor(at / size));
      const from = at % size;
      const n = Math.min(block.length - from, length - copied);
      if (n <= 0) break;
      block.copy(buffer, offset + copied, from, from + n);
      copied += n;
    }
    return copied;
  }

  private async block(index: number): Promise<Buffer> {
    const cached = this.blocks.get(index);
    if (cached) return cached;
    const start = index * this.storage.blockSize;
    const parts: Buffer[] = [];
    for await (const part of this.storage.readRange(this.object, start, start + this.storage.blockSize)) parts.push(part);
    const block = Buffer.concat(parts);
    if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    this.blocks.set(index, block);
    return block;
  }
}

/** One entry as the archive declares it. `rawName` is bytes from the archive: a label at most, never a path. */
export interface ZipEntry {
  index: number;
  rawName: Buffer;
  utf8: boolean;
  flags: number;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  externalAttributes: number;
  entry: Entry;
}

/** A stored archive opened for reading entries one at a time (yauzl's lazy mode, names left undecoded). */
export class StoredZip {
  private index = 0;
  private failure: Error | null = null;

  private constructor(private readonly zip: ZipFile) {
    zip.on('error', (error: Error) => (this.failure = error));
  }

  static open(storage: FileStorage, object: StoredObject): Promise<StoredZip> {
    return new Promise((resolve, reject) => {
      const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false };
      yauzl.fromRandomAccessReader(new StoredArchiveReader(storage, object), object.size, options, (error, zip) => {
        if (error) reject(damaged(error));
        else resolve(new StoredZip(zip));
      });
    });
  }

  get entryCount(): number {
    return this.zip.entryCount;
  }

  next(): Promise<ZipEntry | null> {
    if (this.failure) return Promise.reject(damaged(this.failure));
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.zip.off('entry', onEntry);
        this.zip.off('end', onEnd);
        this.zip.off('error', onError);
      };
      const onEntry = (entry: Entry) => {
        cleanup();
        resolve({
          index: this.index++,
          rawName: entry.fileName as unknown as Buffer,
          utf8: (entry.generalPurposeBitFlag & 0x800) !== 0,
          flags: entry.generalPurposeBitFlag,
          method: entry.compressionMethod,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          externalAttributes: entry.externalFileAttributes,
          entry,
        });
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(damaged(error));
      };
      this.zip.on('entry', onEntry);
      this.zip.on('end', onEnd);
      this.zip.on('error', onError);
      this.zip.readEntry();
    });
  }

  /** The entry's inflated bytes. The caller meters them: the sizes in the headers are only claims. */
  openStream(entry: ZipEntry): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(entry.entry, (error, stream) => (error ? reject(damaged(error)) : resolve(stream)));
    });
  }

  close(): void {
    this.zip.close();
  }
}

function damaged(error: Error): Error {
  // Storage integrity failures keep their own meaning; anything yauzl says about the bytes is a damaged archive.
  return error instanceof ArchiveDamaged || (error as { code?: string }).code === 'stored_file_damaged' ? error : new ArchiveDamaged();
}
