import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ArchiveNested, FileDigestMismatch, FileRejected } from './records.errors';
import { RecordsSettings } from './records-settings';
import { DetectedType, SNIFF_BYTES, sniffContent } from './sniff/content-sniffer';
import { FileStorage, StoredObject } from './storage/file-storage';

export interface IngestLimits {
  maxBytes: number;
  /** The refusal past `maxBytes`: the per-file limit, the case's remaining room, or an archive's. */
  tooLarge: () => FileRejected;
  /** Archive entries: a ZIP inside is refused rather than expanded. */
  insideArchive?: boolean;
  /**
   * The SHA-256 (hex) the sender computed of the file it read (the browser, with WebCrypto). The bytes that arrived
   * must have it, or the file is refused and nothing is kept.
   */
  expectedSha256?: string | null;
}

export interface Ingested {
  type: DetectedType;
  stored: StoredObject;
  preambleZeroed: boolean;
}

/**
 * One stream in, one stored object out: the first 64 KiB decide the type (and refuse before anything is stored),
 * a DICOM preamble is zeroed on the way through, and the limit is enforced while the bytes flow, so an oversize
 * upload is cut off at the limit, not after it has been written. A refusal leaves the rest of `source` unread: a
 * caller that must move past it (the next part of a multipart body) drains it.
 */
@Injectable()
export class RecordIngestor {
  constructor(
    private readonly storage: FileStorage,
    private readonly settings: RecordsSettings,
  ) {}

  async ingest(source: AsyncIterable<Buffer>, limits: IngestLimits): Promise<Ingested> {
    const iterator = source[Symbol.asyncIterator]();
    const early: Buffer[] = [];
    let earlyBytes = 0;
    let ended = false;
    while (earlyBytes < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      early.push(next.value);
      earlyBytes += next.value.length;
      if (earlyBytes > limits.maxBytes) throw limits.tooLarge();
    }
    const joined = Buffer.concat(early);
    // A private copy: the preamble is zeroed in place.
    const head = Buffer.from(joined.subarray(0, SNIFF_BYTES));
    const spill = joined.subarray(SNIFF_BYTES);
    const sniffed = await sniffContent(head, this.settings.maxImagePixels);
    if (limits.insideArchive && sniffed.type === 'zip') throw new ArchiveNested();
    // The sender's digest is of the bytes it sent; ours is of the bytes we keep. They differ only where a DICOM
    // preamble is zeroed, and only then is the upload hashed a second time, as it arrived.
    const arrived = limits.expectedSha256 && sniffed.zeroPreamble ? createHash('sha256').update(joined) : null;
    if (sniffed.zeroPreamble) head.fill(0, 0, 128);

    async function* body(): AsyncGenerator<Buffer> {
      let total = head.length + spill.length;
      yield head;
      if (spill.length) yield spill;
      if (ended) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        total += next.value.length;
        if (total > limits.maxBytes) throw limits.tooLarge();
        arrived?.update(next.value);
        yield next.value;
      }
    }
    const stored = await this.storage.write(body());
    if (limits.expectedSha256 != null) {
      const digest = arrived ? arrived.digest('hex') : stored.sha256;
      if (digest !== limits.expectedSha256.toLowerCase()) {
        await this.storage.delete(stored);
        throw new FileDigestMismatch();
      }
    }
    return { type: sniffed.type, stored, preambleZeroed: sniffed.zeroPreamble };
  }
}
