import { randomBytes } from 'node:crypto';

/** One body part of a multipart/related answer. */
export interface RelatedPart {
  contentType: string;
  body: AsyncIterable<Buffer> | Buffer;
}

/**
 * A multipart/related body (RFC 2387), written as its parts arrive: each part is streamed through, so an instance
 * is never held whole and a study is never held at all. The boundary is random, so no stored byte can forge one.
 */
export class MultipartRelated {
  readonly boundary = randomBytes(16).toString('hex');

  constructor(private readonly type: string) {}

  get contentType(): string {
    return `multipart/related; type="${this.type}"; boundary=${this.boundary}`;
  }

  async *write(parts: AsyncIterable<RelatedPart> | Iterable<RelatedPart>): AsyncGenerator<Buffer> {
    for await (const part of parts) {
      yield Buffer.from(`--${this.boundary}\r\nContent-Type: ${part.contentType}\r\n\r\n`, 'latin1');
      if (Buffer.isBuffer(part.body)) yield part.body;
      else for await (const chunk of part.body) yield chunk;
      yield Buffer.from('\r\n', 'latin1');
    }
    yield Buffer.from(`--${this.boundary}--\r\n`, 'latin1');
  }
}
