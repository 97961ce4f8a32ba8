import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { StoredFileDamaged } from '../records.errors';
import { S3StorageOptions } from '../storage/s3-file-storage';
import { StagedPart, StagedTail, UploadSession } from './upload-session.repository';
import { StagedAppend, StagingInit, UploadStaging } from './upload-staging';

/** Parts are cut at this size; S3 requires every part but the last to be at least MIN_PART. */
const PART_SIZE = 8 * 1024 * 1024;
const MIN_PART = 5 * 1024 * 1024;

/**
 * S3 staging: one multipart upload per session (`uploads/<upload id>`, SSE-KMS asked for and confirmed), created
 * with the session; the row keeps its id and each committed part's number, size and ETag. An append cuts its bytes
 * into 8 MiB parts, at most two in memory (one filling, one on its way). What is left at its end becomes a part
 * when it may (5 MiB or more, or the upload's last bytes); fewer bytes are kept as a tail object, prepended by the
 * next append, as S3 accepts no small part but the last. Completing assembles the object, which then goes through
 * the records pipeline like any upload; a bucket lifecycle rule aborts multipart uploads nothing completed.
 */
export class S3UploadStaging extends UploadStaging {
  readonly backend = 's3' as const;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StorageOptions,
  ) {
    super();
  }

  async create(id: string): Promise<StagingInit> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: this.keyOf(id),
        ContentType: 'application/octet-stream',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.options.kmsKeyId,
      }),
    );
    if (!created.UploadId) throw new Error('S3 answered CreateMultipartUpload without an upload id');
    if (created.ServerSideEncryption !== 'aws:kms') {
      await this.abort(id, created.UploadId);
      throw new Error('S3 did not confirm SSE-KMS encryption for a staged upload; refusing to keep it');
    }
    return { keyId: null, wrappedKey: null, storageUploadId: created.UploadId };
  }

  async append(session: UploadSession, body: AsyncIterable<Buffer>): Promise<StagedAppend> {
    const parts: StagedPart[] = [];
    let number = session.parts.length + 1;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let inFlight: Promise<void> = Promise.resolve();
    const send = async () => {
      const bytes = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await inFlight;
      const part = { number: number++, size: bytes.length, tag: '' };
      parts.push(part);
      inFlight = this.uploadPart(session, part, bytes);
      // Handled where it is awaited; until then a failure must not count as an unhandled rejection.
      inFlight.catch(() => undefined);
    };
    const take = (chunk: Buffer) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
    };

    if (session.tail) take(await this.readTail(session.tail));
    let received = 0;
    const written = { parts, tail: null as StagedTail | null };
    try {
      for await (const chunk of body) {
        received += chunk.length;
        take(chunk);
        if (pendingBytes >= PART_SIZE) await send();
      }
      const last = session.uploadOffset + received === session.uploadLength;
      if (pendingBytes > 0 && (last || pendingBytes >= MIN_PART)) await send();
      await inFlight;
      if (pendingBytes > 0) written.tail = await this.writeTail(session, Buffer.concat(pending, pendingBytes));
    } catch (error) {
      await inFlight.catch(() => undefined);
      throw error;
    }
    if (received === 0) return { received, state: session, written: { parts: [], tail: null }, superseded: null };
    return {
      received,
      state: { parts: [...session.parts, ...parts], tail: written.tail },
      written,
      superseded: session.tail,
    };
  }

  async discard(_session: UploadSession, append: StagedAppend): Promise<void> {
    // Uncommitted parts are left to be replaced by the next append's parts of the same numbers; S3 drops any part
    // that CompleteMultipartUpload does not name.
    if (append.written.tail) await this.deleteObject(append.written.tail.key);
  }

  async superseded(_session: UploadSession, append: StagedAppend): Promise<void> {
    if (append.superseded) await this.deleteObject(append.superseded.key);
  }

  async *read(session: UploadSession): AsyncGenerator<Buffer> {
    if (session.tail || session.parts.length === 0) throw new StoredFileDamaged();
    try {
      const done = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: this.keyOf(session.id),
          UploadId: session.storageUploadId!,
          MultipartUpload: { Parts: session.parts.map((p) => ({ PartNumber: p.number, ETag: p.tag })) },
        }),
      );
      if (done.ServerSideEncryption && done.ServerSideEncryption !== 'aws:kms') throw new StoredFileDamaged();
    } catch (error) {
      // Completed by an earlier attempt that died before recording the file: the object is there to read.
      if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
    }
    let size = 0;
    for await (const chunk of await this.body(this.keyOf(session.id))) {
      size += chunk.length;
      yield chunk;
    }
    if (size !== session.uploadLength) throw new StoredFileDamaged();
  }

  async remove(session: Pick<UploadSession, 'id' | 'storageUploadId' | 'tail'>): Promise<void> {
    if (session.storageUploadId) await this.abort(session.id, session.storageUploadId);
    if (session.tail) await this.deleteObject(session.tail.key);
    await this.deleteObject(this.keyOf(session.id));
  }

  removeStrays(): Promise<number> {
    return Promise.resolve(0);
  }

  private async uploadPart(session: UploadSession, part: StagedPart, bytes: Buffer): Promise<void> {
    const result = await this.client.send(
      new UploadPartCommand({
        Bucket: this.options.bucket,
        Key: this.keyOf(session.id),
        UploadId: session.storageUploadId!,
        PartNumber: part.number,
        Body: bytes,
        ContentLength: bytes.length,
      }),
    );
    if (!result.ETag) throw new Error('S3 answered UploadPart without an ETag');
    part.tag = result.ETag;
  }

  private async writeTail(session: UploadSession, bytes: Buffer): Promise<StagedTail> {
    // A new key each time: a writer that lost its lease cannot overwrite the tail the row names.
    const key = `${this.keyOf(session.id)}.tail-${randomUUID()}`;
    const put = await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: 'application/octet-stream',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.options.kmsKeyId,
      }),
    );
    if (put.ServerSideEncryption !== 'aws:kms') {
      await this.deleteObject(key);
      throw new Error('S3 did not confirm SSE-KMS encryption for a staged upload; refusing to keep it');
    }
    return { key, size: bytes.length };
  }

  private async readTail(tail: StagedTail): Promise<Buffer> {
    if (!tail.key.startsWith('uploads/')) throw new StoredFileDamaged();
    const chunks: Buffer[] = [];
    for await (const chunk of await this.body(tail.key)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== tail.size) throw new StoredFileDamaged();
    return bytes;
  }

  private async body(key: string): Promise<AsyncIterable<Buffer>> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (!result.Body) throw new StoredFileDamaged();
      return result.Body as AsyncIterable<Buffer>;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new StoredFileDamaged();
      throw error;
    }
  }

  private async abort(id: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: this.keyOf(id), UploadId: uploadId }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
    }
  }

  private async deleteObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  private keyOf(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('Not an upload id');
    return `uploads/${id}`;
  }
}
