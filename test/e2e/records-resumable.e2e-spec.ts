import { OperatorDatabase } from '@consilium/core/operator-data';
import { RecordsService, UploadSweep } from '@consilium/records';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { pdf } from '../support/hostile-files';
import { createRecordsApp, RecordsTestApp, openCase } from '../support/records-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const MiB = 1024 * 1024;
const TUS = { 'Tus-Resumable': '1.0.0' };
const PART = 'application/offset+octet-stream';

/** Sends the first `sent` bytes of a PATCH that announced all of `body`, then drops the connection. */
function droppedPatch(port: number, host: string, url: string, offset: number, body: Buffer, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: url,
      method: 'PATCH',
      headers: { ...TUS, Host: host, 'Upload-Offset': String(offset), 'Content-Type': PART, 'Content-Length': String(body.length) },
    });
    req.on('error', () => resolve());
    req.write(body.subarray(0, sent), () =>
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300),
    );
  });
}

describe('records: resumable uploads (tus 1.0)', () => {
  let t: RecordsTestApp;
  let a: TestTenant;
  let b: TestTenant;
  let port: number;

  beforeAll(async () => {
    t = await createRecordsApp({ RECORDS_MAX_FILE_BYTES: String(16 * MiB) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    // The records app acts for its own test actors, not the hospital's accounts: tenants without people are enough.
    a = await createTestTenant(t.app);
    // The other hospital also serves French: its refusals are read in the client's language.
    b = await createTestTenant(t.app, { locales: ['en', 'fr'], default_locale: 'en' });
  });
  afterAll(() => t.close());

  const server = () => t.app.getHttpServer();

  async function createUpload(host: string, caseId: string, length: number, name = 'CT abdomen.pdf', sha256?: string): Promise<string> {
    const digest = sha256 === undefined ? '' : `,sha256 ${Buffer.from(sha256).toString('base64')}`;
    const res = await request(server())
      .post(`/cases/${caseId}/uploads`)
      .set({
        ...TUS,
        Host: host,
        'Upload-Length': String(length),
        'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')},filetype ${Buffer.from('application/pdf').toString('base64')}${digest}`,
      });
    expect(res.status).toBe(201);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(res.headers.location).toMatch(new RegExp(`^/cases/${caseId}/uploads/[0-9a-f-]{36}$`));
    return res.headers.location;
  }

  const head = (host: string, url: string) =>
    request(server())
      .head(url)
      .set({ ...TUS, Host: host });
  const patch = (host: string, url: string, offset: number, body: Buffer, extra: Record<string, string> = {}) =>
    request(server())
      .patch(url)
      .set({ ...TUS, Host: host, 'Upload-Offset': String(offset), 'Content-Type': PART, ...extra })
      .send(body);

  const newCase = (tenant: TestTenant = a) => openCase(t, tenant);
  /** Where local storage stages an upload: under its own root, which every instance sharing the store reaches. */
  const stagingDir = (urlOrId: string) => path.join(t.dataDir, 'files', '.uploads', urlOrId.split('/').pop()!);
  const stagedParts = (url: string) =>
    readdirSync(stagingDir(url))
      .filter((name) => name.endsWith('.part'))
      .map((name) => path.join(stagingDir(url), name));

  it('describes itself to clients', async () => {
    const res = await request(server())
      .options(`/cases/${await newCase()}/uploads`)
      .set('Host', a.host);
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'tus-version': '1.0.0',
      'tus-extension': 'creation,termination,checksum,expiration',
      'tus-max-size': String(16 * MiB),
    });
  });

  it('resumes an upload interrupted halfway and completes it with the right SHA-256', async () => {
    const caseId = await newCase();
    const data = Buffer.concat([pdf(100), randomBytes(3 * MiB)]);
    const url = await createUpload(a.host, caseId, data.length);
    await droppedPatch(port, a.host, url, 0, data, Math.floor(data.length / 2));

    // A client asks where to resume; the server may still be finishing the dropped part (423), so it retries.
    const offset = await eventually(
      async () => {
        const at = Number((await head(a.host, url)).headers['upload-offset']);
        expect(at).toBeGreaterThan(0);
        return at;
      },
      5000,
      100,
    );
    expect(offset).toBeLessThanOrEqual(data.length / 2);
    // Staged in the store, one sealed file per part: partial uploads are never at rest in the clear either.
    const parts = stagedParts(url);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) expect(readFileSync(part).includes(data.subarray(offset - 100, offset - 36))).toBe(false);

    const res = await eventually(
      async () => {
        const answer = await patch(a.host, url, offset, data.subarray(offset));
        expect(answer.status).not.toBe(423);
        return answer;
      },
      2000,
      100,
    );
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe(String(data.length));
    const fileId = res.headers['record-file-id'];
    const file = await t.app.get(RecordsService).find(a.id, fileId);
    expect(file).toMatchObject({ status: 'ready', detectedType: 'pdf', name: 'CT abdomen.pdf', sizeBytes: data.length, caseId });
    expect(file.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(existsSync(stagingDir(url))).toBe(false);
    // Asking again after completion answers the same, without storing anything twice.
    expect((await head(a.host, url)).headers['upload-offset']).toBe(String(data.length));
  });

  it('refuses parts that do not continue the upload, fail their checksum, or use another content type', async () => {
    const data = Buffer.concat([pdf(10), randomBytes(200_000)]);
    const url = await createUpload(a.host, await newCase(), data.length);
    const first = data.subarray(0, 100_000);
    expect((await patch(a.host, url, 5, first)).status).toBe(409);
    const wrong = createHash('sha256').update('something else').digest('base64');
    const mismatch = await patch(a.host, url, 0, first, { 'Upload-Checksum': `sha256 ${wrong}` });
    expect(mismatch.status).toBe(460);
    expect((await head(a.host, url)).headers['upload-offset']).toBe('0');
    const good = createHash('sha1').update(first).digest('base64');
    expect((await patch(a.host, url, 0, first, { 'Upload-Checksum': `sha1 ${good}` })).headers['upload-offset']).toBe('100000');
    const json = await request(server())
      .patch(url)
      .set({ ...TUS, Host: a.host, 'Upload-Offset': '100000', 'Content-Type': 'application/json' })
      .send('{}');
    expect(json.status).toBe(415);
    expect((await patch(a.host, url, 100_000, data.subarray(100_000))).headers['record-file-status']).toBe('ready');
  });

  it('requires the protocol version, and refuses an announced size over the limit or of zero bytes', async () => {
    const caseId = await newCase();
    const noVersion = await request(server()).post(`/cases/${caseId}/uploads`).set({ Host: a.host, 'Upload-Length': '10' });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers['tus-version']).toBe('1.0.0');
    const big = await request(server())
      .post(`/cases/${caseId}/uploads`)
      .set({ ...TUS, Host: a.host, 'Upload-Length': String(17 * MiB), Accept: 'application/json' });
    expect(big.status).toBe(413);
    expect((big.body as { error: { code: string } }).error.code).toBe('upload_too_large');
    // The refusal in the client's language, its limit in that language's units.
    for (const [language, words] of [
      ['en', 'This file is larger than the 16 MB we can accept for one file.'],
      ['fr', 'Ce fichier dépasse les 16 Mo que nous pouvons accepter par fichier.'],
      ['es', 'Este archivo supera los 16 MB que podemos aceptar por archivo.'],
    ]) {
      const refused = await request(server())
        .post(`/cases/${caseId}/uploads`)
        .set({ ...TUS, Host: a.host, 'Upload-Length': String(17 * MiB), Accept: 'application/json', 'Accept-Language': language });
      expect((refused.body as { error: { message: string } }).error.message.replace(/\s/g, ' ')).toBe(words);
    }
    expect(
      (
        await request(server())
          .post(`/cases/${caseId}/uploads`)
          .set({ ...TUS, Host: a.host, 'Upload-Length': '0' })
      ).status,
    ).toBe(422);
  });

  it('abandons an upload on DELETE, and hides uploads from other cases and hospitals', async () => {
    const caseId = await newCase();
    const url = await createUpload(a.host, caseId, 1000);
    const id = url.split('/').pop();
    expect((await head(b.host, url)).status).toBe(404);
    expect((await head(a.host, `/cases/${await newCase()}/uploads/${id}`)).status).toBe(404);
    expect((await patch(b.host, url, 0, pdf(100))).status).toBe(404);
    // Said by key, in the client's language (it was English whatever the language).
    const french = await patch(b.host, url, 0, pdf(100), { 'Accept-Language': 'fr' });
    expect(french.status).toBe(404);
    expect(french.text).toContain('<html lang="fr">');
    expect(french.text).toContain('Nous ne trouvons pas ce téléversement.');
    expect(
      (
        await request(server())
          .delete(url)
          .set({ ...TUS, Host: a.host })
      ).status,
    ).toBe(204);
    expect((await head(a.host, url)).status).toBe(404);
    expect(existsSync(stagingDir(url))).toBe(false);
  });

  it('sweeps expired uploads of every hospital (rows and sealed bytes) and stray staged files, never a live one', async () => {
    const idOf = (url: string) => url.split('/').pop()!;
    const abandonedA = await createUpload(a.host, await newCase(), 5000);
    expect((await patch(a.host, abandonedA, 0, pdf(5000).subarray(0, 2000))).status).toBe(204);
    const abandonedB = await createUpload(b.host, await newCase(b), 1000);
    // Staging whose row went away (a crash between the two deletions): untouched for longer than uploads live.
    const stray = stagingDir(randomUUID());
    mkdirSync(stray);
    writeFileSync(path.join(stray, '1-0123456789abcdef.part'), 'sealed bytes');
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    utimesSync(stray, dayAgo, dayAgo);
    const sessionRows = () =>
      t.app
        .get(OperatorDatabase)
        .transaction((tx) => tx.query(`SELECT id FROM upload_sessions WHERE id = ANY($1::uuid[])`, [[idOf(abandonedA), idOf(abandonedB)]]));

    // Now: nothing has expired; only the stray file goes.
    const sweep = t.app.get(UploadSweep);
    expect(await sweep.sweep()).toMatchObject({ sessions: 0 });
    expect(existsSync(stray)).toBe(false);
    expect((await head(a.host, abandonedA)).headers['upload-offset']).toBe('2000');
    expect(stagedParts(abandonedA)).toHaveLength(1);
    expect(existsSync(stagingDir(abandonedB))).toBe(true);

    // A day and an hour later (uploads live 24 hours): both hospitals' abandoned uploads go, rows and bytes.
    const later = new Date(Date.now() + 25 * 3600_000);
    const report = await sweep.sweep(later);
    expect(report.sessions).toBeGreaterThanOrEqual(2);
    expect(await sessionRows()).toEqual([]);
    expect(existsSync(stagingDir(abandonedA))).toBe(false);
    expect(existsSync(stagingDir(abandonedB))).toBe(false);
    // Sweeping again (another instance, the next hour) finds nothing and fails on nothing.
    expect(await sweep.sweep(later)).toEqual({ sessions: 0, files: 0 });
  });

  it('checks the whole file against the SHA-256 its sender announced, on whichever request completes it', async () => {
    const data = Buffer.concat([pdf(100), randomBytes(300_000)]);
    const digest = createHash('sha256').update(data).digest('hex');
    const good = await createUpload(a.host, await newCase(), data.length, 'scan.pdf', digest);
    expect((await patch(a.host, good, 0, data.subarray(0, 150_000))).status).toBe(204);
    expect((await patch(a.host, good, 150_000, data.subarray(150_000))).headers['record-file-status']).toBe('ready');

    // Each part arrives intact (its own checksum passes), but the file is not the one the sender hashed.
    const changed = Buffer.from(data);
    changed[200_000] ^= 1;
    const bad = await createUpload(a.host, await newCase(), data.length, 'scan.pdf', digest);
    const part = createHash('sha256').update(changed).digest('base64');
    const res = await patch(a.host, bad, 0, changed, { 'Upload-Checksum': `sha256 ${part}` });
    expect(res.status).toBe(204);
    expect(res.headers['record-file-status']).toBe('rejected');
    const file = await t.app.get(RecordsService).find(a.id, res.headers['record-file-id']);
    expect(file.rejection).toMatchObject({ code: 'digest_mismatch' });
    expect(file.stored).toBeNull();
    await expect(t.app.get(RecordsService).find(b.id, file.id)).rejects.toThrow();

    // A digest that is not one is refused at creation, beside the header that carried it.
    const malformed = await request(server())
      .post(`/cases/${await newCase()}/uploads`)
      .set({
        ...TUS,
        Host: a.host,
        Accept: 'application/json',
        'Upload-Length': '10',
        'Upload-Metadata': `sha256 ${Buffer.from('abc').toString('base64')}`,
      });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toMatch(/upload-metadata/);
  });

  it('puts a finished upload through the same checks as any other: an executable is refused', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), randomBytes(50_000)]);
    const url = await createUpload(a.host, await newCase(), exe.length, 'photo.jpg');
    const res = await patch(a.host, url, 0, exe);
    expect(res.status).toBe(204);
    expect(res.headers['record-file-status']).toBe('rejected');
    const file = await t.app.get(RecordsService).find(a.id, res.headers['record-file-id']);
    expect(file.rejection).toMatchObject({ code: 'executable_file' });
  });
});
