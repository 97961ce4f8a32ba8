import { RecordsService } from '@consilium/records';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { fixture, pdf, peExecutable } from '../support/hostile-files';
import { createRecordsApp, RecordsTestApp, uploadFiles, openCase } from '../support/records-app';
import { S3StandIn } from '../support/s3-stand-in';
import { createTestTenant, TestTenant } from '../support/tenants';
import { makeZip } from '../support/zip-writer';

const MiB = 1024 * 1024;
const KMS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/consilium-test';

/**
 * Records on S3 with SSE-KMS. AWS is outside our walls, so the real SDK (client-s3 + lib-storage) talks to
 * S3StandIn, a local node:http stand-in for S3 (not AWS, not MinIO) that checks the encryption headers.
 */
describe('records on S3 (against a local S3 stand-in)', () => {
  const s3 = new S3StandIn('consilium-records');
  let t: RecordsTestApp;
  let a: TestTenant;
  const saved = { ...process.env };

  beforeAll(async () => {
    const endpoint = await s3.start();
    // The SDK's default credential chain reads these; the stand-in checks no signature.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDSTANDIN', AWS_SECRET_ACCESS_KEY: 'stand-in-secret' });
    t = await createRecordsApp({
      S3_BUCKET: 'consilium-records',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'eu-west-1',
      S3_KMS_KEY_ID: KMS_KEY,
      RECORDS_MAX_FILE_BYTES: String(32 * MiB),
    });
    // The records app acts for its own test actors, not the hospital's accounts: a tenant without people is enough.
    a = await createTestTenant(t.app);
  });
  afterAll(async () => {
    await t.close();
    await s3.stop();
    process.env = saved;
  });

  const newCase = (tenant: TestTenant = a) => openCase(t, tenant);

  const storedKey = async (id: string) => (await t.app.get(RecordsService).find(a.id, id)).stored!.key;

  it('puts a small file with one PutObject that asks for SSE-KMS with our key', async () => {
    const dicom = fixture('CT1_UNC.explicit_little_endian.dcm');
    const [file] = (await uploadFiles(t, a.host, await newCase(), [['ct.dcm', dicom]])).files;
    expect(file).toMatchObject({ status: 'ready', preambleZeroed: true, dicom: { modality: 'CT' } });
    const key = await storedKey(file.id);
    expect(key).toMatch(/^records\/[0-9a-f-]{36}$/);
    expect(s3.calls.find((c) => c.key === key && c.operation === 'PutObject')).toMatchObject({ sse: 'aws:kms', kmsKeyId: KMS_KEY });
    // S3 encrypts on its side: it receives the (sanitised) plaintext.
    expect(s3.objects.get(key)!.subarray(128).equals(dicom.subarray(128))).toBe(true);
    expect(s3.objects.get(key)!.subarray(0, 128).equals(Buffer.alloc(128))).toBe(true);
  });

  it('streams a large file as a multipart upload, encrypted, and reads it back intact', async () => {
    const data = Buffer.concat([pdf(10), randomBytes(20 * MiB)]);
    const [file] = (await uploadFiles(t, a.host, await newCase(), [['mri.pdf', data]])).files;
    expect(file).toMatchObject({ status: 'ready', sha256: createHash('sha256').update(data).digest('hex') });
    const key = await storedKey(file.id);
    expect(s3.operations(key)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    expect(s3.calls.find((c) => c.key === key && c.operation === 'CreateMultipartUpload')).toMatchObject({
      sse: 'aws:kms',
      kmsKeyId: KMS_KEY,
    });
    const res = await request(t.app.getHttpServer())
      .get(`/records/${file.id}/content`)
      .set('Host', a.host)
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => cb(null, Buffer.concat(parts)));
      });
    expect((res.body as Buffer).equals(data)).toBe(true);
  });

  it('expands a ZIP from S3 with ranged reads, then deletes the archive object', async () => {
    const zip = makeZip([
      { name: 'IM1', data: fixture('CT0012.not_fragmented_bot_rle.dcm') },
      { name: 'IM2', data: fixture('CT0012.fragmented_no_bot_jpeg_baseline.51.dcm') },
    ]);
    const before = s3.calls.length;
    const [archive] = (await uploadFiles(t, a.host, await newCase(), [['study.zip', zip]])).files;
    expect(archive).toMatchObject({ status: 'ready', archive: { accepted: 2, studies: [{ instanceCount: 2 }] } });
    const calls = s3.calls.slice(before);
    expect(calls.filter((c) => c.operation === 'GetObject' && c.range)).not.toHaveLength(0);
    const archiveKey = calls.find((c) => c.operation === 'PutObject')!.key;
    expect(s3.objects.has(archiveKey)).toBe(false);
  });

  it('stores nothing for a refused file, and deletes the object of a duplicate', async () => {
    const objects = s3.objects.size;
    expect((await uploadFiles(t, a.host, await newCase(), [['report.jpg.exe', peExecutable()]])).files[0].rejection?.code).toBe(
      'executable_file',
    );
    expect(s3.objects.size).toBe(objects);
    const caseId = await newCase();
    const report = Buffer.concat([pdf(), randomBytes(16)]);
    await uploadFiles(t, a.host, caseId, [['a.pdf', report]]);
    expect((await uploadFiles(t, a.host, caseId, [['b.pdf', report]])).files[0].rejection?.code).toBe('duplicate_file');
    expect(s3.objects.size).toBe(objects + 1);
  });

  it('refuses to keep an object S3 did not confirm as KMS-encrypted', async () => {
    s3.confirmEncryption = false;
    try {
      const objects = s3.objects.size;
      const res = await uploadFiles(t, a.host, await newCase(), [['a.pdf', Buffer.concat([pdf(), randomBytes(16)])]]);
      expect(res.status).toBe(500);
      expect(s3.objects.size).toBe(objects);
    } finally {
      s3.confirmEncryption = true;
    }
  });

  it('detects an object changed in S3 and refuses to serve it', async () => {
    const [file] = (await uploadFiles(t, a.host, await newCase(), [['a.pdf', Buffer.concat([pdf(5000), randomBytes(16)])]])).files;
    s3.objects.get(await storedKey(file.id))![3000] ^= 1;
    const res = await request(t.app.getHttpServer())
      .get(`/records/${file.id}/content`)
      .set('Host', a.host)
      .set('Accept', 'application/json');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('stored_file_damaged');
  });
  describe('resumable uploads staged as S3 multipart parts', () => {
    const TUS = { 'Tus-Resumable': '1.0.0' };
    const create = async (caseId: string, length: number) => {
      const res = await request(t.app.getHttpServer())
        .post(`/cases/${caseId}/uploads`)
        .set({
          ...TUS,
          Host: a.host,
          'Upload-Length': String(length),
          'Upload-Metadata': `filename ${Buffer.from('mri.pdf').toString('base64')}`,
        });
      expect(res.status).toBe(201);
      return res.headers.location;
    };
    const patch = (url: string, offset: number, body: Buffer) =>
      request(t.app.getHttpServer())
        .patch(url)
        .set({ ...TUS, Host: a.host, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' })
        .send(body);
    const stagingKey = (url: string) => `uploads/${url.split('/').pop()}`;
    const multipart = (url: string) => [...s3.uploads.values()].find((u) => u.key === stagingKey(url));
    const stagedObjects = (url: string) => [...s3.objects.keys()].filter((key) => key.startsWith(stagingKey(url)));

    it('keeps appends under 5 MiB as a tail, cuts parts of 5 MiB and more, and completes intact through the pipeline', async () => {
      const data = Buffer.concat([pdf(10), randomBytes(16 * MiB)]);
      const url = await create(await newCase(), data.length);
      const created = s3.calls.filter((c) => c.operation === 'CreateMultipartUpload' && c.key === stagingKey(url));
      expect(created).toEqual([expect.objectContaining({ sse: 'aws:kms', kmsKeyId: KMS_KEY })]);

      // 3 MiB: too small for a part of its own, so it waits in S3 as a tail object (never on an instance's disk).
      expect((await patch(url, 0, data.subarray(0, 3 * MiB))).headers['upload-offset']).toBe(String(3 * MiB));
      expect(multipart(url)!.parts.size).toBe(0);
      const [tail] = stagedObjects(url);
      expect(tail).toMatch(/^uploads\/[0-9a-f-]{36}\.tail-[0-9a-f-]{36}$/);
      expect(s3.calls.find((c) => c.key === tail && c.operation === 'PutObject')).toMatchObject({ sse: 'aws:kms' });

      // 3 MiB more: tail + append = 6 MiB, one part; the old tail is deleted once the row commits the part.
      expect((await patch(url, 3 * MiB, data.subarray(3 * MiB, 6 * MiB))).headers['upload-offset']).toBe(String(6 * MiB));
      expect([...multipart(url)!.parts.values()].map((p) => p.body.length)).toEqual([6 * MiB]);
      expect(stagedObjects(url)).toEqual([]);

      // The remaining 10 MiB in one append: a part of 8 MiB (and a little) and a short last part; then the object goes through the pipeline.
      const done = await patch(url, 6 * MiB, data.subarray(6 * MiB));
      expect(done.status).toBe(204);
      expect(done.headers['record-file-status']).toBe('ready');
      const file = await t.app.get(RecordsService).find(a.id, done.headers['record-file-id']);
      expect(file).toMatchObject({ sizeBytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), name: 'mri.pdf' });
      expect(s3.objects.get(file.stored!.key)!.equals(data)).toBe(true);
      expect(s3.operations(stagingKey(url))).toEqual([
        'CreateMultipartUpload',
        'UploadPart',
        'UploadPart',
        'UploadPart',
        'CompleteMultipartUpload',
        'GetObject',
        'AbortMultipartUpload',
        'DeleteObject',
      ]);
      // Nothing staged is left: no multipart upload, no tail, no assembled object.
      expect(multipart(url)).toBeUndefined();
      expect(stagedObjects(url)).toEqual([]);
    });

    it('abandoning an upload aborts its multipart upload and deletes its tail; another hospital gets a 404', async () => {
      const url = await create(await newCase(), 20 * MiB);
      expect((await patch(url, 0, Buffer.concat([pdf(10), randomBytes(MiB)]))).status).toBe(204);
      expect(stagedObjects(url)).toHaveLength(1);
      // Only its tenant id matters to the storage keys: no people needed.
      const b = await createTestTenant(t.app);
      expect(
        (
          await request(t.app.getHttpServer())
            .delete(url)
            .set({ ...TUS, Host: b.host })
        ).status,
      ).toBe(404);
      expect(
        (
          await request(t.app.getHttpServer())
            .delete(url)
            .set({ ...TUS, Host: a.host })
        ).status,
      ).toBe(204);
      expect(multipart(url)).toBeUndefined();
      expect(stagedObjects(url)).toEqual([]);
    });
  });
});
