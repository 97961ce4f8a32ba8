import { RecordProcessor, RecordsService } from '@consilium/records';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { fixture, pdf, peInDicomPreamble } from '../support/hostile-files';
import { createRecordsApp, RecordsTestApp, uploadFiles, openCase } from '../support/records-app';
import { createTestTenant, TestTenant } from '../support/tenants';
import { makeZip } from '../support/zip-writer';

const FRAME = 64 * 1024 + 20;
const HEADER = 24;

function binary(res: request.Test): request.Test {
  return res.buffer(true).parse((r, cb) => {
    const parts: Buffer[] = [];
    r.on('data', (c: Buffer) => parts.push(c));
    r.on('end', () => cb(null, Buffer.concat(parts)));
  });
}

describe('records: at rest, across hospitals, and as jobs', () => {
  let t: RecordsTestApp;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    t = await createRecordsApp();
    // The records app acts for its own test actors, not the hospital's accounts: tenants without people are enough.
    a = await createTestTenant(t.app);
    b = await createTestTenant(t.app);
  });
  afterAll(() => t.close());

  const newCase = (tenant: TestTenant = a) => openCase(t, tenant);

  async function uploadPdf(bytes = Buffer.concat([pdf(300_000), randomBytes(32)])) {
    const [file] = (await uploadFiles(t, a.host, await newCase(), [['discharge summary.pdf', bytes]])).files;
    expect(file.status).toBe('ready');
    const row = await t.app.get(RecordsService).find(a.id, file.id);
    return { file, bytes, disk: path.join(t.dataDir, 'files', row.stored!.key) };
  }

  const download = (host: string, id: string) =>
    binary(request(t.app.getHttpServer()).get(`/records/${id}/content`).set('Host', host).set('Accept', 'application/json'));

  it('stores bytes that differ from the upload and decrypt back to it, served as an audited attachment', async () => {
    const { file, bytes, disk } = await uploadPdf();
    const atRest = readFileSync(disk);
    expect(atRest.equals(bytes)).toBe(false);
    expect(atRest.includes(bytes.subarray(1000, 1064))).toBe(false);
    const res = await download(a.host, file.id);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="discharge summary.pdf"; filename*=UTF-8''discharge%20summary.pdf`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_OPERATOR_URL });
    await pg.connect();
    try {
      const { rows } = await pg.query('SELECT outcome FROM audit_events WHERE tenant_id = $1 AND action = $2 AND entity_id = $3', [
        a.id,
        'records.download',
        file.id,
      ]);
      expect(rows).toEqual([{ outcome: 'allowed' }]);
    } finally {
      await pg.end();
    }
  });

  it.each<[string, (disk: Buffer) => Buffer]>([
    ['one flipped byte', (d) => Buffer.concat([d.subarray(0, 100_000), Buffer.from([d[100_000] ^ 1]), d.subarray(100_001)])],
    ['a truncated file', (d) => d.subarray(0, d.length - FRAME)],
    [
      'two swapped frames',
      (d) =>
        Buffer.concat([
          d.subarray(0, HEADER),
          d.subarray(HEADER + FRAME, HEADER + 2 * FRAME),
          d.subarray(HEADER, HEADER + FRAME),
          d.subarray(HEADER + 2 * FRAME),
        ]),
    ],
  ])('refuses to serve a stored file changed at rest (%s), before sending any of it', async (_what, tamper) => {
    const { file, disk } = await uploadPdf();
    writeFileSync(disk, tamper(readFileSync(disk)));
    const res = await download(a.host, file.id);
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toContain('application/json');
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({ error: { code: 'stored_file_damaged' } });
  });

  it("keeps a file whose bytes have the sender's SHA-256 and refuses, with the reason, one that changed on its way", async () => {
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const send = async (host: string, caseId: string, digest: string, bytes: Buffer, name = 'report.pdf') => {
      const res = await request(t.app.getHttpServer())
        .post(`/cases/${caseId}/records`)
        .set('Host', host)
        .set('Accept', 'application/json')
        .field('sha256', digest)
        .attach('file', bytes, name);
      expect(res.status).toBeLessThan(300);
      return res.body.files[0] as { id: string; status: string; rejection: { code: string; message: string } | null };
    };
    const caseId = await newCase();
    const bytes = Buffer.concat([pdf(2000), randomBytes(5 * 1024 * 1024)]);
    expect((await send(a.host, caseId, sha256(bytes).toUpperCase(), bytes)).status).toBe('ready');

    // One byte changed after the browser hashed the file: refused, said why, and nothing of it kept on disk.
    const changed = Buffer.from(bytes);
    changed[changed.length - 1] ^= 1;
    const storedFiles = () =>
      readdirSync(path.join(t.dataDir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    const before = storedFiles();
    const refused = await send(a.host, caseId, sha256(bytes), changed, 'second.pdf');
    expect(refused.status).toBe('rejected');
    expect(refused.rejection).toMatchObject({ code: 'digest_mismatch' });
    expect(refused.rejection!.message).toMatch(/changed on its way/);
    expect(storedFiles()).toBe(before);

    // A DICOM whose preamble we zero is checked against the bytes as sent, not the ones we keep.
    const dicom = peInDicomPreamble();
    const kept = await send(a.host, caseId, sha256(dicom), dicom, 'ct.dcm');
    expect(kept.status).toBe('ready');
    const row = await t.app.get(RecordsService).find(a.id, kept.id);
    expect(row.preambleZeroed).toBe(true);
    expect(row.sha256).not.toBe(sha256(dicom));
    const zeroed = Buffer.from(dicom).fill(0, 0, 128);
    expect((await send(a.host, await newCase(), sha256(zeroed), dicom, 'ct.dcm')).rejection).toMatchObject({ code: 'digest_mismatch' });

    // Another hospital cannot see the refused file either.
    const other = await request(t.app.getHttpServer()).get(`/records/${refused.id}`).set('Host', b.host).set('Accept', 'application/json');
    expect(other.status).toBe(404);
  });

  it("gives tenant B a 404 for tenant A's file, its bytes and its case, and no rows in the database", async () => {
    const { file } = await uploadPdf();
    const row = await t.app.get(RecordsService).find(a.id, file.id);
    const server = t.app.getHttpServer();
    expect((await request(server).get(`/records/${file.id}`).set('Host', b.host).set('Accept', 'application/json')).status).toBe(404);
    expect((await download(b.host, file.id)).status).toBe(404);
    const list = await request(server).get(`/cases/${row.caseId}/records`).set('Host', b.host).set('Accept', 'application/json');
    expect(list.body.files).toEqual([]);
    await expect(t.app.get(RecordsService).find(b.id, file.id)).rejects.toMatchObject({ code: 'not_found' });
    const pg = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await pg.connect();
    try {
      await pg.query('BEGIN');
      await pg.query(`SELECT set_config('app.tenant_id', $1, true)`, [b.id]);
      expect((await pg.query('SELECT id FROM record_files WHERE id = $1', [file.id])).rows).toEqual([]);
      await pg.query('ROLLBACK');
    } finally {
      await pg.end();
    }
    // Tenant A, same route, same file: it is there.
    expect((await request(server).get(`/records/${file.id}`).set('Host', a.host)).status).toBe(200);
  });

  it('asks the host app before every upload and read, and answers 404 for a case it refuses', async () => {
    const stranger = randomUUID();
    const res = await uploadFiles(t, a.host, stranger, [['x.pdf', pdf()]]);
    expect(res.status).toBe(404);
    expect(t.access.asked).toContain(`upload:${stranger}`);
    const { file } = await uploadPdf();
    const row = await t.app.get(RecordsService).find(a.id, file.id);
    expect(t.access.asked).toContain(`upload:${row.caseId}`);
    await request(t.app.getHttpServer()).get(`/records/${file.id}`).set('Host', a.host);
    expect(t.access.asked).toContain(`read:${row.caseId}`);
  });

  it('refuses everything when the host app binds no access rules', async () => {
    const bare = await createRecordsApp({}, { access: false });
    try {
      // Refused before any actor matters: a tenant without people is enough.
      const tenant = await createTestTenant(bare.app);
      expect((await uploadFiles(bare, tenant.host, randomUUID(), [['x.pdf', pdf()]])).status).toBe(404);
      const { file } = await uploadPdf();
      expect((await request(bare.app.getHttpServer()).get(`/records/${file.id}`).set('Host', a.host)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  describe('processing as a job', () => {
    const studyZip = () =>
      makeZip([
        { name: 'a/IM1', data: fixture('CT0012.not_fragmented_bot_rle.dcm') },
        { name: 'a/IM2', data: fixture('CT0012.fragmented_no_bot_jpeg_baseline.51.dcm') },
        { name: 'b/IM1', data: fixture('IM00001.fragmented_no_bot_jpeg_baseline.50.dcm') },
      ]);

    /** An uploaded archive whose processing job has not run yet. */
    async function pendingArchive(): Promise<{ id: string; caseId: string }> {
      const { RecordIngestor, RecordRegistrar } = await import('../../libs/records/src/internals');
      const caseId = await newCase();
      const ingested = await t.app.get(RecordIngestor, { strict: false }).ingest(
        // eslint-disable-next-line @typescript-eslint/require-await -- stands in for an upload stream; nothing to wait for
        (async function* () {
          yield studyZip();
        })(),
        { maxBytes: 1e9, tooLarge: () => new Error('no') as never },
      );
      const row = await t.app
        .get(RecordRegistrar, { strict: false })
        .register({ tenantId: a.id, caseId, name: 'cd.zip', type: ingested.type, stored: ingested.stored });
      return { id: row.id, caseId };
    }

    const children = async (caseId: string, parentId: string) =>
      (await t.app.get(RecordsService).list({ tenantId: a.id, caseId }))
        .filter((f) => f.parentId === parentId)
        .map((f) => [f.archiveEntry, f.status]);

    it('is safe to run twice, and two runs at once expand an archive only once', async () => {
      const processor = t.app.get(RecordProcessor);
      const archive = await pendingArchive();
      const outcomes = await Promise.all([processor.process(a.id, archive.id), processor.process(a.id, archive.id)]);
      // One expands it; the other either finds it being expanded or (when it starts after the first finished) done.
      expect([
        ['processing', 'ready'],
        ['ready', 'ready'],
      ]).toContainEqual(outcomes.map((o) => o.status).sort());
      expect(await processor.process(a.id, archive.id)).toEqual({ fileId: archive.id, status: 'ready' });
      expect(await children(archive.caseId, archive.id)).toEqual([
        [0, 'ready'],
        [1, 'ready'],
        [2, 'ready'],
      ]);
      const done = await t.app.get(RecordsService).find(a.id, archive.id);
      expect(done.archive!.studies).toHaveLength(2);
      expect(done.stored).toBeNull(); // its bytes now live in its children
    });

    it('takes over an archive whose attempt died, discarding its half-written child and resuming', async () => {
      const archive = await pendingArchive();
      const pg = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await pg.connect();
      try {
        await pg.query('BEGIN');
        await pg.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.id]);
        // What a crash leaves: the archive held by a lapsed lease, one entry left mid-way.
        await pg.query(
          `UPDATE record_files SET status = 'processing', claim_token = gen_random_uuid(), claimed_until = now() - interval '1 minute' WHERE id = $1`,
          [archive.id],
        );
        await pg.query(
          `INSERT INTO record_files (tenant_id, case_id, parent_id, archive_entry, status, display_name) VALUES ($1, $2, $3, 1, 'uploaded', 'IM2')`,
          [a.id, archive.caseId, archive.id],
        );
        await pg.query('COMMIT');
      } finally {
        await pg.end();
      }
      expect(await t.app.get(RecordProcessor).process(a.id, archive.id)).toEqual({ fileId: archive.id, status: 'ready' });
      expect(await children(archive.caseId, archive.id)).toEqual([
        [0, 'ready'],
        [1, 'ready'],
        [2, 'ready'],
      ]);
    });

    it('leaves a file held by a live attempt alone', async () => {
      const archive = await pendingArchive();
      const pg = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await pg.connect();
      try {
        await pg.query('BEGIN');
        await pg.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.id]);
        await pg.query(
          `UPDATE record_files SET status = 'processing', claim_token = gen_random_uuid(), claimed_until = now() + interval '5 minutes' WHERE id = $1`,
          [archive.id],
        );
        await pg.query('COMMIT');
      } finally {
        await pg.end();
      }
      expect(await t.app.get(RecordProcessor).process(a.id, archive.id)).toEqual({ fileId: archive.id, status: 'processing' });
      expect(await children(archive.caseId, archive.id)).toEqual([]);
    });
  });
});
