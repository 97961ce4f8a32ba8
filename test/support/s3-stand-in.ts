import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

const MIN_PART = 5 * 1024 * 1024;

export interface S3Call {
  operation: string;
  key: string;
  sse?: string;
  kmsKeyId?: string;
  range?: string;
}

/**
 * A stand-in for S3 on node:http, NOT AWS: it speaks just enough of S3's REST wire format (path-style PutObject,
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts, GetObject with Range,
 * DeleteObject) for the real `@aws-sdk/client-s3` and `lib-storage` to run against it, and it refuses writes that
 * do not ask for SSE-KMS, as a bucket policy requiring `aws:kms` would. Multipart uploads are checked as S3 checks
 * them: an unknown upload id is NoSuchUpload, and completing names existing parts with their ETags, in ascending
 * order, each but the last at least 5 MiB. It keeps bytes as received (real S3 would
 * encrypt them with the KMS key), records every call, and signs nothing.
 */
export class S3StandIn {
  readonly objects = new Map<string, Buffer>();
  readonly calls: S3Call[] = [];
  /** Answer writes without the x-amz-server-side-encryption header, as a misconfigured endpoint might. */
  confirmEncryption = true;
  /** Multipart uploads in progress: what ListParts shows, and what CompleteMultipartUpload assembles. */
  readonly uploads = new Map<
    string,
    { key: string; parts: Map<number, { body: Buffer; etag: string }>; encrypted: Record<string, string> }
  >();
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((error: Error) => {
      res.writeHead(500).end(xml('Error', { Code: 'InternalError', Message: error.message }));
    });
  });

  constructor(readonly bucket: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The upload, or a NoSuchUpload answer (an unknown id, or one of another key) and undefined. */
  private upload(uploadId: string, key: string, res: http.ServerResponse) {
    const upload = this.uploads.get(uploadId);
    if (upload?.key === key) return upload;
    res.writeHead(404).end(xml('Error', { Code: 'NoSuchUpload', Message: 'The specified upload does not exist.' }));
    return undefined;
  }

  operations(key?: string): string[] {
    return this.calls.filter((c) => !key || c.key === key).map((c) => c.operation);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://stand-in');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (bucket !== this.bucket) return void res.writeHead(404).end(xml('Error', { Code: 'NoSuchBucket', Message: 'no such bucket' }));
    const body = decodeAwsChunked(req, await readAll(req));
    const q = url.searchParams;
    const sse = header(req, 'x-amz-server-side-encryption');
    const kmsKeyId = header(req, 'x-amz-server-side-encryption-aws-kms-key-id');
    const encrypted: Record<string, string> = this.confirmEncryption
      ? { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId ?? 'aws/s3' }
      : {};
    const requireKms = () => {
      if (sse === 'aws:kms') return true;
      res.writeHead(400).end(xml('Error', { Code: 'InvalidArgument', Message: 'this bucket requires SSE-KMS' }));
      return false;
    };

    if (req.method === 'PUT' && q.has('uploadId')) {
      this.calls.push({ operation: 'UploadPart', key });
      const upload = this.upload(q.get('uploadId')!, key, res);
      if (!upload) return;
      const number = Number(q.get('partNumber'));
      if (!Number.isInteger(number) || number < 1 || number > 10000) {
        return void res.writeHead(400).end(xml('Error', { Code: 'InvalidArgument', Message: 'Part number must be 1-10000' }));
      }
      upload.parts.set(number, { body, etag: etag(body) });
      return void res.writeHead(200, { ETag: etag(body), ...upload.encrypted }).end();
    }
    if (req.method === 'PUT') {
      this.calls.push({ operation: 'PutObject', key, sse, kmsKeyId });
      if (!requireKms()) return;
      this.objects.set(key, body);
      return void res.writeHead(200, { ETag: etag(body), ...encrypted }).end();
    }
    if (req.method === 'POST' && q.has('uploads')) {
      this.calls.push({ operation: 'CreateMultipartUpload', key, sse, kmsKeyId });
      if (!requireKms()) return;
      const uploadId = randomUUID();
      this.uploads.set(uploadId, { key, parts: new Map(), encrypted });
      return void res.writeHead(200, encrypted).end(xml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
    }
    if (req.method === 'POST' && q.has('uploadId')) {
      this.calls.push({ operation: 'CompleteMultipartUpload', key });
      const upload = this.upload(q.get('uploadId')!, key, res);
      if (!upload) return;
      // As S3 checks: each named part exists with that ETag, numbers ascend, and every part but the last is >= 5 MiB.
      const named = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
        number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
        etag: /<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1]?.replace(/&quot;/g, '"'),
      }));
      if (named.length === 0) return void res.writeHead(400).end(xml('Error', { Code: 'MalformedXML', Message: 'no parts' }));
      for (const [i, part] of named.entries()) {
        const held = upload.parts.get(part.number);
        if (!held || held.etag !== part.etag) {
          return void res
            .writeHead(400)
            .end(xml('Error', { Code: 'InvalidPart', Message: `part ${part.number} is missing or its ETag differs` }));
        }
        if (i > 0 && part.number <= named[i - 1].number) {
          return void res.writeHead(400).end(xml('Error', { Code: 'InvalidPartOrder', Message: 'parts must ascend' }));
        }
        if (i < named.length - 1 && held.body.length < MIN_PART) {
          return void res.writeHead(400).end(xml('Error', { Code: 'EntityTooSmall', Message: `part ${part.number} is under 5 MiB` }));
        }
      }
      const whole = Buffer.concat(named.map((p) => upload.parts.get(p.number)!.body));
      this.objects.set(key, whole);
      this.uploads.delete(q.get('uploadId')!);
      return void res
        .writeHead(200, upload.encrypted)
        .end(xml('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etag(whole) }));
    }
    if (req.method === 'DELETE' && q.has('uploadId')) {
      this.calls.push({ operation: 'AbortMultipartUpload', key });
      if (!this.upload(q.get('uploadId')!, key, res)) return;
      this.uploads.delete(q.get('uploadId')!);
      return void res.writeHead(204).end();
    }
    if (req.method === 'GET' && q.has('uploadId')) {
      this.calls.push({ operation: 'ListParts', key });
      const upload = this.upload(q.get('uploadId')!, key, res);
      if (!upload) return;
      const parts = [...upload.parts.entries()]
        .sort(([x], [y]) => x - y)
        .map(
          ([number, part]) =>
            `<Part><PartNumber>${number}</PartNumber><ETag>${escape(part.etag)}</ETag><Size>${part.body.length}</Size></Part>`,
        )
        .join('');
      const head = `<Bucket>${bucket}</Bucket><Key>${escape(key)}</Key><UploadId>${q.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated>`;
      return void res
        .writeHead(200, { 'Content-Type': 'application/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><ListPartsResult>${head}${parts}</ListPartsResult>`);
    }
    if (req.method === 'DELETE') {
      this.calls.push({ operation: 'DeleteObject', key });
      this.objects.delete(key);
      return void res.writeHead(204).end();
    }
    if (req.method === 'GET') {
      const range = header(req, 'range');
      this.calls.push({ operation: 'GetObject', key, range });
      const object = this.objects.get(key);
      if (!object) return void res.writeHead(404).end(xml('Error', { Code: 'NoSuchKey', Message: 'The specified key does not exist.' }));
      const match = range?.match(/^bytes=(\d+)-(\d+)$/);
      if (!match) return void res.writeHead(200, { 'Content-Length': object.length, ...encrypted }).end(object);
      const [start, end] = [Number(match[1]), Math.min(Number(match[2]), object.length - 1)];
      return void res
        .writeHead(206, { 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${object.length}`, ...encrypted })
        .end(object.subarray(start, end + 1));
    }
    res.writeHead(405).end(xml('Error', { Code: 'MethodNotAllowed', Message: req.method! }));
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readAll(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Streaming uploads with checksums arrive as `aws-chunked`: `<hex size>[;ext]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`. */
function decodeAwsChunked(req: http.IncomingMessage, body: Buffer): Buffer {
  const sha = header(req, 'x-amz-content-sha256') ?? '';
  if (!(header(req, 'content-encoding') ?? '').includes('aws-chunked') && !sha.startsWith('STREAMING-')) return body;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.toString('latin1', at, eol).split(';')[0], 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function xml(root: string, fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escape(v)}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${inner}</${root}>`;
}
