import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoredFileDamaged } from '../records.errors';
import { DurableFileSink } from './durable-file-sink';
import { FileStorage, StoredObject, StreamMeasure } from './file-storage';
import { FileKeyring } from './file-keyring';
import { FRAME_OVERHEAD, FRAME_SIZE, FrameOpener, frameCount, HEADER_SIZE, openStream, sealedSize } from './framed-cipher';
import { sealStreamConcurrently } from './frame-sealing';

const KEY_PATTERN = /^[0-9a-f]{2}\/[0-9a-f-]{36}$/;

/**
 * Files under `<DATA_DIR>/files`, each sealed with its own data key (see framed-cipher.ts). Keys are random ids,
 * never names from the upload. A write goes to `.incoming/` and is fsynced and renamed into place only when complete.
 */
export class LocalFileStorage extends FileStorage {
  readonly backend = 'local' as const;
  readonly blockSize = FRAME_SIZE;

  constructor(
    private readonly root: string,
    private readonly keyring: FileKeyring,
  ) {
    super();
  }

  async write(source: AsyncIterable<Buffer>): Promise<StoredObject> {
    const id = randomUUID();
    const key = `${id.slice(0, 2)}/${id}`;
    const incoming = path.join(this.root, '.incoming');
    const temp = path.join(incoming, `${id}.part`);
    await mkdir(incoming, { recursive: true, mode: 0o700 });
    await mkdir(path.dirname(this.pathOf(key)), { recursive: true, mode: 0o700 });
    const dataKey = this.keyring.newDataKey();
    const measure = new StreamMeasure();
    const handle = await open(temp, 'wx', 0o600);
    try {
      // Synced to disk before it is renamed into place: a record we have acknowledged must survive a power cut.
      await pipeline(sealStreamConcurrently(measure.pass(source), dataKey.key), new DurableFileSink(handle));
      await handle.close();
      await rename(temp, this.pathOf(key));
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    return { backend: 'local', key, size: measure.size, sha256: measure.sha256(), keyId: dataKey.keyId, wrappedKey: dataKey.wrapped };
  }

  async *read(object: StoredObject): AsyncGenerator<Buffer> {
    // The key first: a stream opened and then abandoned would fail later with nobody listening.
    const key = this.dataKey(object);
    const file = await this.openChecked(object);
    const frames = frameCount(object.size);
    let total = 0;
    const source = createReadStream(file, { highWaterMark: FRAME_SIZE + FRAME_OVERHEAD });
    for await (const plain of openStream(source, key, { fullFrames: true, lastFrame: frames - 1 })) {
      total += plain.length;
      yield plain;
    }
    if (total !== object.size) throw new StoredFileDamaged();
  }

  async *readRange(object: StoredObject, start: number, end: number): AsyncGenerator<Buffer> {
    end = Math.min(end, object.size);
    if (start >= end) return;
    const key = this.dataKey(object);
    const file = await this.openChecked(object);
    const first = Math.floor(start / FRAME_SIZE);
    const last = Math.floor((end - 1) / FRAME_SIZE);
    const header = Buffer.alloc(HEADER_SIZE);
    const handle = await open(file, 'r');
    try {
      await handle.read(header, 0, HEADER_SIZE, 0);
    } finally {
      await handle.close();
    }
    const opener = new FrameOpener(key, header, { firstFrame: first, lastFrame: frameCount(object.size) - 1, fullFrames: true });
    const from = HEADER_SIZE + first * (FRAME_SIZE + FRAME_OVERHEAD);
    const to = Math.min(HEADER_SIZE + (last + 1) * (FRAME_SIZE + FRAME_OVERHEAD), sealedSize(object.size));
    let position = first * FRAME_SIZE;
    for await (const chunk of createReadStream(file, { start: from, end: to - 1, highWaterMark: FRAME_SIZE + FRAME_OVERHEAD })) {
      for (const plain of opener.push(chunk as Buffer)) {
        const lo = Math.max(start - position, 0);
        const hi = Math.min(end - position, plain.length);
        position += plain.length;
        if (hi > lo) yield plain.subarray(lo, hi);
      }
    }
    opener.finish(false);
  }

  async delete(object: Pick<StoredObject, 'key'>): Promise<void> {
    await rm(this.pathOf(object.key), { force: true });
  }

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error('Not a local storage key');
    return path.join(this.root, key);
  }

  private dataKey(object: StoredObject): Buffer {
    if (!object.wrappedKey || !object.keyId) throw new StoredFileDamaged();
    return this.keyring.unwrap(object.wrappedKey, object.keyId);
  }

  /** A file cut short or padded is refused before a byte is read: its size on disk is fixed by its plaintext size. */
  private async openChecked(object: StoredObject): Promise<string> {
    const file = this.pathOf(object.key);
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== sealedSize(object.size)) throw new StoredFileDamaged();
    return file;
  }
}
