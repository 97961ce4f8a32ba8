import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StoredFileDamaged } from '../records.errors';

/**
 * The at-rest format of a local file: a header, then frames of up to 64 KiB of plaintext, each sealed on its own with
 * AES-256-GCM. A frame's nonce is the header's random prefix plus the frame's number, and its additional data binds
 * the header, the number and the length word (whose top bit marks the last frame). So a flipped byte, a reordered or
 * duplicated frame, and a file cut short at any point all fail authentication, and no frame's plaintext is handed
 * out before its tag is checked. Full frames at fixed positions also allow random access (zip central directories).
 *
 *   header: "CSLMREC1" | nonce prefix (8) | frame size u32 BE | reserved u32
 *   frame:  length word u32 BE (bit 31 = last) | ciphertext | tag (16)
 */
export const FRAME_SIZE = 64 * 1024;
export const HEADER_SIZE = 24;
export const TAG_SIZE = 16;
export const FRAME_OVERHEAD = 4 + TAG_SIZE;
const MAGIC = Buffer.from('CSLMREC1', 'latin1');
const LAST = 0x80000000;

export function newHeader(): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  randomBytes(8).copy(header, 8);
  header.writeUInt32BE(FRAME_SIZE, 16);
  return header;
}

export function checkHeader(header: Buffer): void {
  if (header.length !== HEADER_SIZE || !header.subarray(0, 8).equals(MAGIC) || header.readUInt32BE(16) !== FRAME_SIZE) {
    throw new StoredFileDamaged();
  }
}

/** Size on disk of `plainSize` bytes written as full frames (what `FrameSealer` without interruptions produces). */
export function sealedSize(plainSize: number): number {
  return HEADER_SIZE + plainSize + frameCount(plainSize) * FRAME_OVERHEAD;
}

export function frameCount(plainSize: number): number {
  return Math.max(1, Math.ceil(plainSize / FRAME_SIZE));
}

function frameCrypto(header: Buffer, counter: number, lengthWord: number): { nonce: Buffer; aad: Buffer } {
  const nonce = Buffer.allocUnsafe(12);
  header.copy(nonce, 0, 8, 16);
  nonce.writeUInt32BE(counter, 8);
  const aad = Buffer.allocUnsafe(HEADER_SIZE + 8);
  header.copy(aad, 0);
  aad.writeUInt32BE(counter, HEADER_SIZE);
  aad.writeUInt32BE(lengthWord, HEADER_SIZE + 4);
  return { nonce, aad };
}

/**
 * Turns plaintext chunks into sealed frames. A full frame is held back until the next byte arrives, so the frame
 * that turns out to be the last can still be marked as such by `finish`. Each frame comes out as three buffers
 * (length word, ciphertext, tag) written one after the other: joining them would copy every byte once more.
 */
export class FrameSealer {
  private readonly pending = Buffer.allocUnsafe(FRAME_SIZE);
  private filled = 0;
  private counter: number;
  private parts: Buffer[] = [];

  constructor(
    private readonly key: Buffer,
    private readonly header: Buffer,
    firstFrame = 0,
  ) {
    this.counter = firstFrame;
  }

  /** Frames sealed so far (the next frame's number). */
  get frames(): number {
    return this.counter;
  }

  /** The buffers of the frames completed by `chunk`, in order (three per frame). */
  push(chunk: Buffer): Buffer[] {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.filled === FRAME_SIZE) {
        this.seal(this.pending, FRAME_SIZE, false);
        this.filled = 0;
      }
      const n = Math.min(FRAME_SIZE - this.filled, chunk.length - offset);
      chunk.copy(this.pending, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
    }
    return this.drain();
  }

  /**
   * Hands the rest of the stream to another sealer (frame-seal-worker.js): the next frame's number and the bytes not
   * yet sealed. This sealer is done with after it.
   */
  handOff(): { counter: number; pending: Buffer } {
    const pending = Buffer.from(this.pending.subarray(0, this.filled));
    this.filled = 0;
    return { counter: this.counter, pending };
  }

  /** Seals what is pending: as the last frame, or (an interrupted resumable upload) as an ordinary short frame. */
  finish(last: boolean): Buffer[] {
    if (!last && this.filled === 0) return [];
    this.seal(this.pending, this.filled, last);
    this.filled = 0;
    return this.drain();
  }

  private drain(): Buffer[] {
    const out = this.parts;
    this.parts = [];
    return out;
  }

  private seal(plain: Buffer, length: number, last: boolean): void {
    const word = (length | (last ? LAST : 0)) >>> 0;
    const { nonce, aad } = frameCrypto(this.header, this.counter++, word);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(aad);
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeUInt32BE(word, 0);
    const body = cipher.update(plain.subarray(0, length));
    cipher.final();
    this.parts.push(prefix, body, cipher.getAuthTag());
  }
}

export interface OpenerOptions {
  /** Number of the first frame in the bytes pushed (random access starts mid-file). */
  firstFrame?: number;
  /** Number of the file's last frame when known (random access): it alone must carry the last mark. */
  lastFrame?: number;
  /** Frames before the last must be full (files written in one go); resumable-upload staging has short frames. */
  fullFrames?: boolean;
}

/** Checks and opens sealed frames; throws StoredFileDamaged at the first frame that fails, before releasing it. */
export class FrameOpener {
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private counter: number;
  private sawLast = false;

  constructor(
    private readonly key: Buffer,
    private readonly header: Buffer,
    private readonly options: OpenerOptions = {},
  ) {
    checkHeader(header);
    this.counter = options.firstFrame ?? 0;
  }

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.queued += chunk.length;
    const out: Buffer[] = [];
    while (this.queued >= 4) {
      if (this.sawLast) throw new StoredFileDamaged();
      const word = this.peekWord();
      const length = (word & ~LAST) >>> 0;
      if (length > FRAME_SIZE) throw new StoredFileDamaged();
      if (this.queued < 4 + length + TAG_SIZE) break;
      const frame = this.take(4 + length + TAG_SIZE);
      out.push(this.open(frame, word, length));
    }
    return out;
  }

  /** `complete`: the bytes pushed ran to the end of the file, so the last frame must have been seen. */
  finish(complete: boolean): void {
    if (this.queued !== 0 || (complete && !this.sawLast)) throw new StoredFileDamaged();
  }

  private open(frame: Buffer, word: number, length: number): Buffer {
    const last = (word & LAST) !== 0;
    const index = this.counter;
    const { lastFrame, fullFrames } = this.options;
    if (lastFrame !== undefined && last !== (index === lastFrame)) throw new StoredFileDamaged();
    if (fullFrames && !last && length !== FRAME_SIZE) throw new StoredFileDamaged();
    const { nonce, aad } = frameCrypto(this.header, this.counter++, word);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(frame.subarray(4 + length));
      const plain = decipher.update(frame.subarray(4, 4 + length));
      decipher.final();
      this.sawLast = last;
      return plain;
    } catch {
      throw new StoredFileDamaged();
    }
  }

  private peekWord(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    return this.take(4, true).readUInt32BE(0);
  }

  private take(n: number, peek = false): Buffer {
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let index = 0;
    let offset = 0;
    while (copied < n) {
      const chunk = this.chunks[index];
      const part = Math.min(chunk.length - offset, n - copied);
      chunk.copy(out, copied, offset, offset + part);
      copied += part;
      offset += part;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (!peek) {
      this.chunks.splice(0, index);
      if (offset > 0) this.chunks[0] = this.chunks[0].subarray(offset);
      this.queued -= n;
    }
    return out;
  }
}

/** Plaintext → header and sealed frames, as one stream. */
export async function* sealStream(source: AsyncIterable<Buffer>, key: Buffer, header = newHeader()): AsyncGenerator<Buffer> {
  yield header;
  const sealer = new FrameSealer(key, header);
  for await (const chunk of source) yield* sealer.push(chunk);
  yield* sealer.finish(true);
}

/** A whole sealed file (header first) → checked plaintext. */
export async function* openStream(
  source: AsyncIterable<Buffer>,
  key: Buffer,
  options: Omit<OpenerOptions, 'firstFrame'> = {},
): AsyncGenerator<Buffer> {
  let header: Buffer | undefined;
  let early: Buffer[] = [];
  let opener: FrameOpener | undefined;
  for await (const chunk of source) {
    if (!opener) {
      early.push(chunk);
      const joined = Buffer.concat(early);
      if (joined.length < HEADER_SIZE) continue;
      header = joined.subarray(0, HEADER_SIZE);
      opener = new FrameOpener(key, header, options);
      early = [];
      yield* opener.push(joined.subarray(HEADER_SIZE));
      continue;
    }
    yield* opener.push(chunk);
  }
  if (!opener) throw new StoredFileDamaged();
  opener.finish(true);
}
