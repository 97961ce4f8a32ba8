import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StoredFileDamaged } from '../records.errors';
import { FileStorage, StoredObject, StreamMeasure } from './file-storage';

export interface S3StorageOptions {
  bucket: string;
  /** A customer-managed KMS key; without it S3 uses the account's default `aws/s3` key. */
  kmsKeyId?: string;
}

const PART_SIZE = 8 * 1024 * 1024;

/**
 * Files in S3, encrypted by S3 with KMS (SSE-KMS); every write asks for it and refuses an answer that does not
 * confirm it. Bodies stream through a multipart upload (at most two 8 MiB parts in memory), which S3 makes visible
 * only when completed and which is aborted on failure. S3 has no frame tags of ours, so reads are checked against the
 * SHA-256 recorded at upload: a mismatch fails the read at its end (downloads verify before they start sending).
 */
export class S3FileStorage extends FileStorage {
  readonly backend = 's3' as const;
  readonly blockSize = 1024 * 1024;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StorageOptions,
  ) {
    super();
  }

  async write(source: AsyncIterable<Buffer>): Promise<StoredObject> {
    const key = `records/${randomUUID()}`;
    const measure = new StreamMeasure();
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.options.bucket,
        Key: key,
        Body: Readable.from(measure.pass(source)),
        ContentType: 'application/octet-stream',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: this.options.kmsKeyId,
      },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const result = await upload.done();
    if ((result as { ServerSideEncryption?: string }).ServerSideEncryption !== 'aws:kms') {
      await this.delete({ key });
      throw new Error('S3 did not confirm SSE-KMS encryption for a stored record; refusing to keep it');
    }
    return { backend: 's3', key, size: measure.size, sha256: measure.sha256(), keyId: null, wrappedKey: null };
  }

  async *read(object: StoredObject): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of await this.body(object.key)) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    if (size !== object.size || hash.digest('hex') !== object.sha256) throw new StoredFileDamaged();
  }

  async *readRange(object: StoredObject, start: number, end: number): AsyncGenerator<Buffer> {
    end = Math.min(end, object.size);
    if (start >= end) return;
    let size = 0;
    for await (const chunk of await this.body(object.key, `bytes=${start}-${end - 1}`)) {
      size += chunk.length;
      yield chunk;
    }
    if (size !== end - start) throw new StoredFileDamaged();
  }

  async delete(object: Pick<StoredObject, 'key'>): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: object.key }));
  }

  private async body(key: string, range?: string): Promise<AsyncIterable<Buffer>> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key, Range: range }));
      if (!result.Body) throw new StoredFileDamaged();
      return result.Body as AsyncIterable<Buffer>;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new StoredFileDamaged();
      throw error;
    }
  }
}
