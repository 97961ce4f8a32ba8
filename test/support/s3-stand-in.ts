import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface S3Call {
  operation: string;
  key: string;
  sse?: string;
  kmsKeyId?: string;
  range?: string;
}

/**
 * A stand-in for S3 on node:http, NOT AWS: it speaks just enough of S3's REST wire format (path-style PutObject,
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, GetObject with Range,
 * DeleteObject) for the real `@aws-sdk/client-s3` and `lib-storage` to run against it, and it refuses writes that
 * do not ask for SSE-KMS, as a bucket policy requiring `aws:kms` would. It keeps bytes as received (real S3 would
 * encrypt them with the KMS key), records every call, and signs nothing.
 */
export class S3StandIn {
  readonly objects = new Map<string, Buffer>();
  readonly calls: S3Call[] = [];
  /** Answer writes without the x-amz-server-side-encryption header, as a misconfigured endpoint might. */
  confirmEncryption = true;
  private readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
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
    const encrypted = this.confirmEncryption
      ? { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': kmsKeyId ?? 'aws/s3' }
      : {};
    const requireKms = () => {
      if (sse === 'aws:kms') return true;
      res.writeHead(400).end(xml('Error', { Code: 'InvalidArgument', Message: 'this bucket requires SSE-KMS' }));
      return false;
    };

    if (req.method === 'PUT' && q.has('uploadId')) {
      this.calls.push({ operation: 'UploadPart', key });
      this.uploads.get(q.get('uploadId')!)!.parts.set(Number(q.get('partNumber')), body);
      return void res.writeHead(200, { ETag: etag(body) }).end();
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
      this.uploads.set(uploadId, { key, parts: new Map() });
      return void res.writeHead(200, encrypted).end(xml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
    }
    if (req.method === 'POST' && q.has('uploadId')) {
      this.calls.push({ operation: 'CompleteMultipartUpload', key });
      const upload = this.uploads.get(q.get('uploadId')!)!;
      const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      const whole = Buffer.concat(numbers.map((n) => upload.parts.get(n)!));
      this.objects.set(key, whole);
      this.uploads.delete(q.get('uploadId')!);
      return void res
        .writeHead(200, encrypted)
        .end(xml('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etag(whole) }));
    }
    if (req.method === 'DELETE' && q.has('uploadId')) {
      this.calls.push({ operation: 'AbortMultipartUpload', key });
      this.uploads.delete(q.get('uploadId')!);
      return void res.writeHead(204).end();
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

function xml(root: string, fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${inner}</${root}>`;
}
