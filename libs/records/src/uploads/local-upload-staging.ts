import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoredFileDamaged } from '../records.errors';
import { DurableFileSink } from '../storage/durable-file-sink';
import { FileKeyring } from '../storage/file-keyring';
import { sealStreamConcurrently } from '../storage/frame-sealing';
import { FRAME_OVERHEAD, FRAME_SIZE, HEADER_SIZE, newHeader, openStream } from '../storage/framed-cipher';
import { StagedPart, UploadSession } from './upload-session.repository';
import { StagedAppend, StagingInit, UploadStaging } from './upload-staging';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Local staging under the storage root (`<DATA_DIR>/files/.uploads/<upload id>/`), so every instance that shares the
 * store (one node, or a volume all replicas mount) can continue an upload. Each append writes a part file of its own,
 * sealed like a stored file with the upload's data key (PHI is never at rest in the clear, even half-uploaded) and a
 * fresh random nonce prefix, which is also the part's tag in the row: a part file is read only if its header carries
 * the tag the row committed. Appends never write into a file another append wrote, so a writer that lost its lease
 * cannot damage committed bytes, and no nonce is used twice.
 */
export class LocalUploadStaging extends UploadStaging {
  readonly backend = 'local' as const;

  constructor(
    private readonly root: string,
    private readonly keyring: FileKeyring,
  ) {
    super();
  }

  async create(id: string): Promise<StagingInit> {
    await mkdir(this.dirOf(id), { recursive: true, mode: 0o700 });
    const dataKey = this.keyring.newDataKey();
    return { keyId: dataKey.keyId, wrappedKey: dataKey.wrapped, storageUploadId: null };
  }

  async append(session: UploadSession, body: AsyncIterable<Buffer>): Promise<StagedAppend> {
    const header = newHeader();
    const part: StagedPart = { number: session.parts.length + 1, size: 0, tag: header.subarray(8, 16).toString('hex') };
    await mkdir(this.dirOf(session.id), { recursive: true, mode: 0o700 });
    const file = this.partPath(session.id, part);
    const handle = await open(file, 'wx', 0o600);
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of body) {
        part.size += chunk.length;
        yield chunk;
      }
    }
    try {
      // Synced before the row commits it: a part the row names must survive a power cut.
      await pipeline(sealStreamConcurrently(counted(), this.dataKey(session), header), new DurableFileSink(handle));
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(file, { force: true });
      throw error;
    }
    if (part.size === 0) {
      await rm(file, { force: true });
      return { received: 0, state: session, written: { parts: [], tail: null }, superseded: null };
    }
    return {
      received: part.size,
      state: { parts: [...session.parts, part], tail: null },
      written: { parts: [part], tail: null },
      superseded: null,
    };
  }

  async discard(session: UploadSession, append: StagedAppend): Promise<void> {
    for (const part of append.written.parts) await rm(this.partPath(session.id, part), { force: true });
  }

  async superseded(): Promise<void> {
    // Local parts are never folded into others.
  }

  async *read(session: UploadSession): AsyncGenerator<Buffer> {
    const key = this.dataKey(session);
    for (const part of session.parts) {
      const file = this.partPath(session.id, part);
      const header = Buffer.alloc(HEADER_SIZE);
      const handle = await open(file, 'r').catch(() => {
        throw new StoredFileDamaged();
      });
      try {
        await handle.read(header, 0, HEADER_SIZE, 0);
      } finally {
        await handle.close();
      }
      // The row's tag is the part's nonce prefix: another part file (or another upload's) put in its place fails here.
      if (header.subarray(8, 16).toString('hex') !== part.tag) throw new StoredFileDamaged();
      let size = 0;
      const source = createReadStream(file, { highWaterMark: FRAME_SIZE + FRAME_OVERHEAD });
      for await (const plain of openStream(source, key, { fullFrames: true })) {
        size += plain.length;
        yield plain;
      }
      if (size !== part.size) throw new StoredFileDamaged();
    }
  }

  async remove(session: Pick<UploadSession, 'id'>): Promise<void> {
    await rm(this.dirOf(session.id), { recursive: true, force: true });
  }

  /**
   * A session lives `RECORDS_UPLOAD_EXPIRY_HOURS` from its creation and each append touches its folder, so a folder
   * untouched that long belongs to no live session: an expired or abandoned upload, or one whose row went away.
   */
  async removeStrays(before: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names.filter((n) => ID.test(n))) {
      const dir = path.join(this.root, name);
      const touched = await stat(dir).then(
        (s) => s.mtime,
        () => null,
      );
      if (!touched || touched >= before) continue;
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  private dataKey(session: UploadSession): Buffer {
    if (!session.wrappedKey || !session.keyId) throw new StoredFileDamaged();
    return this.keyring.unwrap(session.wrappedKey, session.keyId);
  }

  private dirOf(id: string): string {
    if (!ID.test(id)) throw new Error('Not an upload id');
    return path.join(this.root, id);
  }

  private partPath(id: string, part: StagedPart): string {
    if (!Number.isSafeInteger(part.number) || !/^[0-9a-f]{16}$/.test(part.tag)) throw new StoredFileDamaged();
    return path.join(this.dirOf(id), `${part.number}-${part.tag}.part`);
  }
}
