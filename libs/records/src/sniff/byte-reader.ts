/** The data ended before a structure did: a truncated file. */
export class EndOfData extends Error {
  override name = 'EndOfData';
}

/**
 * Pull-style reading of an async byte stream: exact reads, peeks and skips without holding more than the chunks
 * needed right now, so parsers can walk a 2 GiB file in a few kilobytes of memory.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private queued = 0;
  private ended = false;
  /** Bytes consumed so far. */
  position = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async read(n: number): Promise<Buffer> {
    if (!(await this.fill(n))) throw new EndOfData();
    return this.take(n, true);
  }

  /** The next `n` bytes without consuming them, or fewer if the stream ends first. */
  async peek(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(Math.min(n, this.queued), false);
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.queued === 0 && !(await this.fill(1))) throw new EndOfData();
      const first = this.chunks[0];
      if (first.length <= n) {
        this.chunks.shift();
        this.queued -= first.length;
        this.position += first.length;
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        this.queued -= n;
        this.position += n;
        n = 0;
      }
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }

  /** Stops reading early (the rest of the stream is not needed). */
  async close(): Promise<void> {
    this.chunks = [];
    this.queued = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }

  private async fill(n: number): Promise<boolean> {
    while (this.queued < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else if (next.value.length) {
        this.chunks.push(next.value);
        this.queued += next.value.length;
      }
    }
    return this.queued >= n;
  }

  private take(n: number, consume: boolean): Buffer {
    if (this.chunks.length && this.chunks[0].length >= n) {
      const out = this.chunks[0].subarray(0, n);
      if (consume) this.drop(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    for (const chunk of this.chunks) {
      if (copied === n) break;
      const part = Math.min(chunk.length, n - copied);
      chunk.copy(out, copied, 0, part);
      copied += part;
    }
    if (consume) this.drop(n);
    return out;
  }

  private drop(n: number): void {
    this.queued -= n;
    this.position += n;
    while (n > 0) {
      const first = this.chunks[0];
      if (first.length <= n) {
        this.chunks.shift();
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}

/** A buffer as a one-chunk stream, so the same parsers check a file's first bytes and a whole stored file. */
// eslint-disable-next-line @typescript-eslint/require-await -- an async source by contract (ByteReader reads streams); a buffer has nothing to wait for
export async function* bufferSource(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}
