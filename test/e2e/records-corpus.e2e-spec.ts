import { RecordsService } from '@consilium/records';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { EICAR, fixture, jpeg, lyingZipBomb, pdf, peExecutable, peInDicomPreamble, png, zipBomb } from '../support/hostile-files';
import { createRecordsApp, listCase, RecordsTestApp, storedFiles, uploadFiles, openCase } from '../support/records-app';
import { createTestTenant, TestTenant } from '../support/tenants';
import { makeZip } from '../support/zip-writer';

const MiB = 1024 * 1024;

/**
 * The hostile file corpus, built here, sent through the real upload route, processed, and checked for the outcome
 * a patient would see: refused with its reason, or accepted (and neutralised where needed).
 */
describe('records: hostile files and archives', () => {
  let t: RecordsTestApp;
  let a: TestTenant;

  beforeAll(async () => {
    t = await createRecordsApp({
      RECORDS_MAX_FILE_BYTES: String(8 * MiB),
      RECORDS_MAX_CASE_BYTES: String(40 * MiB),
      RECORDS_ZIP_MAX_ENTRIES: '50',
    });
    // The records app acts for its own test actors, not the hospital's accounts: a tenant without people is enough.
    a = await createTestTenant(t.app);
  });
  afterAll(() => t.close());

  const newCase = (tenant: TestTenant = a) => openCase(t, tenant);

  async function uploadOne(name: string, bytes: Buffer) {
    const res = await uploadFiles(t, a.host, await newCase(), [[name, bytes]]);
    expect(res.status).toBe(201);
    expect(res.files).toHaveLength(1);
    return res.files[0];
  }

  it('accepts PDFs, images and DICOM by their content and reads the study', async () => {
    const caseId = await newCase();
    const res = await uploadFiles(t, a.host, caseId, [
      ['referral.pdf', pdf()],
      ['photo.png', png(800, 600)],
      ['ct.dcm', fixture('CT1_UNC.explicit_little_endian.dcm')],
      ['echo', fixture('IM00001.fragmented_no_bot_jpeg_baseline.50.dcm')],
    ]);
    expect(res.status).toBe(201);
    expect(res.files.map((f) => [f.name, f.status, f.type])).toEqual([
      ['referral.pdf', 'ready', 'pdf'],
      ['photo.png', 'ready', 'png'],
      ['ct.dcm', 'ready', 'dicom'],
      ['echo', 'ready', 'dicom'],
    ]);
    expect(res.files[3].dicom).toMatchObject({ modality: 'US', studyDescription: 'US Dopler', studyDate: '2012-04-18', numberOfFrames: 8 });
    const listed = await listCase(t, a.host, caseId);
    expect(listed.files).toHaveLength(4);
    expect(listed.studies.map((s) => s.studyDate).sort()).toEqual(['2004-08-26', '2012-04-18']);
  });

  it.each<[string, string, () => Buffer, string, RegExp]>([
    ['the EICAR test string', 'eicar.com.txt', () => Buffer.from(`${EICAR}\r\n`), 'malware_detected', /virus signature/],
    ['an executable named like an image', 'report.jpg.exe', () => peExecutable(), 'executable_file', /is a program, not a medical record/],
    [
      'a Linux executable named like a PDF',
      'lab-results.pdf',
      () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), randomBytes(500)]),
      'executable_file',
      /is a program/,
    ],
    [
      'a web page named like a PDF (magic bytes contradict the name)',
      'results.pdf',
      () => Buffer.from('<!doctype html><html><body onload="steal()">'),
      'web_content',
      /web page or SVG drawing/,
    ],
    ['a pixel-flood PNG', 'scan.png', () => png(50_000, 50_000), 'image_too_large', /million pixels/],
    [
      'a pixel-flood JPEG whose frame header lies past the first 64 KB',
      'photo.jpg',
      () => jpeg(65_000, 65_000, 150_000),
      'image_too_large',
      /million pixels/,
    ],
    [
      'a truncated DICOM file',
      'IM0001.dcm',
      () => fixture('CT1_UNC.implicit_little_endian.dcm').subarray(0, 300_000),
      'dicom_truncated',
      /incomplete/,
    ],
    ['a small zip bomb', 'study.zip', () => zipBomb(), 'archive_suspicious_compression', /expands to vastly more data/],
    [
      'a zip bomb whose headers lie about its size',
      'study.zip',
      () => lyingZipBomb(),
      'archive_suspicious_compression',
      /expands to vastly more data/,
    ],
  ])('refuses %s, with its reason', async (_what, name, build, code, message) => {
    const file = await uploadOne(name, build());
    expect(file).toMatchObject({ status: 'rejected', rejection: { code, message: expect.stringMatching(message) } });
    const row = await t.app.get(RecordsService).find(a.id, file.id);
    expect(row.stored).toBeNull(); // a refused file keeps no bytes
  });

  it('keeps a file whose name contradicts its content under the type its bytes say, and offers it back as such', async () => {
    const image = jpeg(1024, 768, 2000);
    const file = await uploadOne('xray.png', image);
    expect(file).toMatchObject({ status: 'ready', type: 'jpeg', name: 'xray.png' });
    const res = await request(t.app.getHttpServer()).get(`/records/${file.id}/content`).set('Host', a.host).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['content-disposition']).toContain('attachment; filename="xray.jpg"');
  });

  it('accepts a DICOM file with a program hidden in its preamble (CVE-2019-11687), with the preamble zeroed', async () => {
    const polyglot = peInDicomPreamble();
    const file = await uploadOne('ct.dcm', polyglot);
    expect(file).toMatchObject({
      status: 'ready',
      type: 'dicom',
      preambleZeroed: true,
      dicom: { modality: 'CT', studyDate: '2004-08-26' },
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
    const kept = res.body as Buffer;
    expect(kept.subarray(0, 128).equals(Buffer.alloc(128))).toBe(true);
    expect(kept.subarray(128).equals(polyglot.subarray(128))).toBe(true);
  });

  it('refuses an oversize file with 413, recording and keeping nothing', async () => {
    const caseId = await newCase();
    const before = storedFiles(t.dataDir).length;
    const res = await uploadFiles(t, a.host, caseId, [['big.pdf', pdf(9 * MiB)]]).catch((error: NodeJS.ErrnoException) => {
      // The server may close the connection before the client has finished sending the oversize body.
      expect(error.code).toMatch(/EPIPE|ECONNRESET/);
      return null;
    });
    if (res) expect(res.body).toMatchObject({ error: { code: 'upload_too_large', message: expect.stringContaining('8 MB') } });
    expect((await listCase(t, a.host, caseId)).files).toEqual([]);
    expect(storedFiles(t.dataDir)).toHaveLength(before);
  });

  it('stops a case at its storage limit', async () => {
    const caseId = await newCase();
    for (let i = 0; i < 5; i++)
      expect(
        (await uploadFiles(t, a.host, caseId, [[`part${i}.pdf`, Buffer.concat([pdf(7.9 * MiB), randomBytes(8)])]])).files[0].status,
      ).toBe('ready');
    const over = await uploadFiles(t, a.host, caseId, [['part5.pdf', pdf(3 * MiB)]]).catch(() => null);
    if (over) expect(over.body).toMatchObject({ error: { code: 'case_storage_full' } });
    expect((await listCase(t, a.host, caseId)).files).toHaveLength(5);
  });

  it('notices the same file sent twice to a case and keeps one copy', async () => {
    const caseId = await newCase();
    const report = pdf(50_000);
    const [first] = (await uploadFiles(t, a.host, caseId, [['report.pdf', report]])).files;
    const before = storedFiles(t.dataDir).length;
    const [second] = (await uploadFiles(t, a.host, caseId, [['report (1).pdf', report]])).files;
    expect(second).toMatchObject({
      status: 'rejected',
      duplicateOf: first.id,
      sha256: first.sha256,
      rejection: { code: 'duplicate_file' },
    });
    expect(storedFiles(t.dataDir)).toHaveLength(before);
    // Another case may hold the same bytes.
    expect((await uploadFiles(t, a.host, await newCase(), [['report.pdf', report]])).files[0].status).toBe('ready');
  });

  it('expands a ZIP of studies into child files and counts series and instances per study', async () => {
    const caseId = await newCase();
    const zip = makeZip([
      { name: 'DICOM/', data: Buffer.alloc(0), method: 0 },
      { name: 'DICOM/CT1/IM1', data: fixture('CT1_UNC.explicit_little_endian.dcm') },
      { name: 'DICOM/CT1/IM2', data: fixture('CT1_UNC.implicit_little_endian.dcm') },
      { name: 'DICOM/CT1/IM3', data: fixture('CT1_UNC.explicit_big_endian.dcm'), method: 0 },
      { name: 'DICOM/CT2/IM1', data: fixture('CT0012.not_fragmented_bot_rle.dcm') },
      { name: 'DICOM/CT2/IM2', data: fixture('CT0012.fragmented_no_bot_jpeg_baseline.51.dcm') },
      { name: 'README.TXT', data: Buffer.from('Burned by PACS viewer') },
    ]);
    const [archive] = (await uploadFiles(t, a.host, caseId, [['cd.zip', zip]])).files;
    expect(archive).toMatchObject({ status: 'ready', type: 'zip', archive: { entries: 6, accepted: 5, rejected: 1 } });
    const ct1 = archive.archive!.studies.find((s) => s.studyDate === '2004-08-26');
    const ct2 = archive.archive!.studies.find((s) => s.studyDate === '2006-12-19');
    expect(ct1).toMatchObject({ seriesCount: 1, instanceCount: 1, modalities: ['CT'] });
    expect(ct2).toMatchObject({ seriesCount: 1, instanceCount: 2, modalities: ['CT'] });
    // The children belong to the case: its file list and its studies include them.
    const listed = await listCase(t, a.host, caseId);
    expect(listed.files.filter((f) => f.parentId === archive.id)).toHaveLength(6);
    expect(listed.studies).toHaveLength(2);
  });

  it('never uses a path from inside an archive: traversal, absolute paths and symlinks are refused entries', async () => {
    const zip = makeZip([
      { name: '../../../../etc/cron.d/evil', data: fixture('CT1_UNC.explicit_little_endian.dcm') },
      { name: '/tmp/absolute.dcm', data: fixture('CT1_UNC.explicit_little_endian.dcm') },
      { name: 'C:\\Windows\\evil.dcm', data: fixture('CT1_UNC.explicit_little_endian.dcm') },
      { name: 'link-to-passwd', data: Buffer.from('/etc/passwd'), symlink: true },
      { name: 'study/viewer.exe', data: peExecutable() },
      { name: 'study/inner.zip', data: makeZip([{ name: 'x.pdf', data: pdf() }]) },
      { name: 'study/secret.dcm', data: fixture('CT0012.not_fragmented_bot_rle.dcm'), encrypted: true },
      { name: 'study/IM1', data: fixture('CT0012.not_fragmented_bot_rle.dcm') },
    ]);
    const archive = await uploadOne('disc.zip', zip);
    expect(archive).toMatchObject({ status: 'ready', archive: { entries: 8, accepted: 1, rejected: 7 } });
    const children = (
      await t.app.get(RecordsService).list({ tenantId: a.id, caseId: (await t.app.get(RecordsService).find(a.id, archive.id)).caseId })
    ).filter((f) => f.parentId === archive.id);
    expect(children.map((c) => [c.name, c.status, c.rejection?.code ?? null])).toEqual([
      ['evil', 'rejected', 'archive_entry_unsafe'],
      ['absolute.dcm', 'rejected', 'archive_entry_unsafe'],
      ['evil.dcm', 'rejected', 'archive_entry_unsafe'],
      ['link-to-passwd', 'rejected', 'archive_entry_unsafe'],
      ['viewer.exe', 'rejected', 'executable_file'],
      ['inner.zip', 'rejected', 'archive_nested'],
      ['secret.dcm', 'rejected', 'archive_entry_encrypted'],
      ['IM1', 'ready', null],
    ]);
    // Stored objects are named by random ids only, and nothing landed where an entry's path pointed.
    for (const key of storedFiles(t.dataDir)) expect(key).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}$/);
    expect(existsSync(path.join(t.dataDir, 'files', '..', 'etc'))).toBe(false);
    expect(children[7].stored!.key).toMatch(/^[0-9a-f]{2}\/[0-9a-f-]{36}$/);
  });

  it('refuses an archive with more entries than allowed, keeping none of them', async () => {
    const zip = makeZip(Array.from({ length: 51 }, (_, i) => ({ name: `f${i}.pdf`, data: pdf(10 + i) })));
    const archive = await uploadOne('many.zip', zip);
    expect(archive).toMatchObject({ status: 'rejected', rejection: { code: 'archive_too_many_files' } });
    const all = await t.app
      .get(RecordsService)
      .list({ tenantId: a.id, caseId: (await t.app.get(RecordsService).find(a.id, archive.id)).caseId });
    expect(all).toHaveLength(1);
  });
});
