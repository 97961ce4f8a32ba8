import { TenantDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { RecordsService } from '@consilium/records';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as dicomParser from 'dicom-parser';
import { api as dicomweb } from 'dicomweb-client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import request from 'supertest';
import { createTestCase, TestCase } from '../support/cases';
import { eventually } from '../support/eventually';
import { fixture } from '../support/hostile-files';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { NodeXhr } from '../support/node-xhr';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const CT = 'CT1_UNC.explicit_little_endian.dcm';
const RLE = 'CT0012.not_fragmented_bot_rle.dcm';
const US_JPEG = 'IM00001.fragmented_no_bot_jpeg_baseline.50.dcm';

/**
 * The part of dicomweb-client this suite calls, typed as it behaves: its bundled typings declare results that are
 * not promises and frame numbers as a string, though it returns promises and takes an array.
 */
interface DicomWebReader {
  searchForStudies(options?: object): Promise<unknown>;
  searchForSeries(options?: object): Promise<unknown>;
  searchForInstances(options?: object): Promise<unknown>;
  retrieveInstance(options: object): Promise<unknown>;
  retrieveStudyMetadata(options: object): Promise<unknown>;
  retrieveSeriesMetadata(options: object): Promise<unknown>;
  retrieveInstanceFrames(options: object): Promise<unknown>;
}

type Json = Record<string, { vr: string; Value?: unknown[] }>;
const value = (item: Json, tag: string) => item[tag]?.Value?.[0];
const parsed = (name: string) => dicomParser.parseDicom(new Uint8Array(fixture(name)));

/**
 * A case's studies over DICOMweb, read by an independent client (dicomweb-client, the one OHIF uses): QIDO answers
 * match what was uploaded, WADO gives back the stored bytes, metadata and frames parse, every view is audited once,
 * and anyone who may not read the case, or a UID from another case, gets 404.
 */
describe('DICOMweb for a case', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let origin: string;
  let a: TestHospital;
  let b: TestHospital;
  let theCase: TestCase;
  let otherCase: TestCase;
  let coordinator: WebClient;

  beforeAll(async () => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = NodeXhr;
    db = await isolatedDatabase('dicomweb');
    dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-dicomweb-'));
    app = await createTestApp(
      { ...db.env, DATA_DIR: dataDir, FILES_MASTER_KEY: randomBytes(32).toString('base64') },
      {},
      { domains: true },
    );
    await app.get(JobRunner).start();
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ a, b } = await createTwoHospitals(app));
    theCase = await createTestCase(app, a, { state: 'assigned' });
    otherCase = await createTestCase(app, a, { state: 'assigned' });
    const records = app.get(RecordsService);
    // The fixtures come in pairs sharing their UIDs (one image, two encodings), so each case gets one of a pair.
    for (const name of [CT, US_JPEG]) await records.receive({ tenantId: a.id, caseId: theCase.id }, Readable.from([fixture(name)]), name);
    await records.receive({ tenantId: a.id, caseId: otherCase.id }, Readable.from([fixture(RLE)]), RLE);
    for (const c of [theCase, otherCase]) {
      await eventually(async () => {
        const files = await records.list({ tenantId: a.id, caseId: c.id });
        expect(files.every((f) => f.status === 'ready')).toBe(true);
      }, 20_000);
    }
    coordinator = new WebClient(app, a.host);
    await signInStaff(coordinator, a.people.coordinator);
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const clientFor = (web: WebClient, caseId: string, base = '/console'): DicomWebReader =>
    new dicomweb.DICOMwebClient({
      url: `${origin}${base}/cases/${caseId}/dicomweb`,
      headers: { Host: web.host, Cookie: web.cookieHeader() },
      verbose: false,
      singlepart: false,
    }) as unknown as DicomWebReader;

  function uidsOf(name: string) {
    const d = parsed(name);
    return { study: d.string('x0020000d')!, series: d.string('x0020000e')!, instance: d.string('x00080018')! };
  }

  it('finds the studies, series and instances that were uploaded (QIDO-RS)', async () => {
    const client = clientFor(coordinator, theCase.id);
    const studies = (await client.searchForStudies()) as Json[];
    const expected = [CT, US_JPEG].map(uidsOf);
    expect(studies.map((s) => value(s, '0020000D')).sort()).toEqual(expected.map((e) => e.study).sort());
    const ct = studies.find((s) => value(s, '0020000D') === expected[0].study)!;
    expect(value(ct, '00080020')).toBe('20040826');
    expect(ct['00080061'].Value).toEqual(['CT']);
    expect(value(ct, '00201208')).toBe(1);
    const series = (await client.searchForSeries({ studyInstanceUID: expected[1].study })) as Json[];
    expect(series.map((s) => value(s, '0020000E'))).toEqual([expected[1].series]);
    expect(value(series[0], '00080060')).toBe('US');
    const instances = (await client.searchForInstances({
      studyInstanceUID: expected[1].study,
      seriesInstanceUID: expected[1].series,
    })) as Json[];
    expect(instances.map((i) => value(i, '00080018'))).toEqual([expected[1].instance]);
    expect(value(instances[0], '00280008')).toBe(8);
    // A search by modality narrows the list.
    const us = (await client.searchForStudies({ queryParams: { ModalitiesInStudy: 'US' } })) as Json[];
    expect(us.map((s) => value(s, '0020000D'))).toEqual([expected[1].study]);
  });

  it('hands back the stored instance (WADO-RS), its metadata and its frames, which parse', async () => {
    const client = clientFor(coordinator, theCase.id);
    const ct = uidsOf(CT);
    const bytes = (await client.retrieveInstance({
      studyInstanceUID: ct.study,
      seriesInstanceUID: ct.series,
      sopInstanceUID: ct.instance,
    })) as ArrayBuffer;
    const original = fixture(CT);
    const retrieved = Buffer.from(bytes);
    // What we keep is the upload with its 128-byte preamble zeroed (CVE-2019-11687); everything after it is identical.
    expect(retrieved.length).toBe(original.length);
    expect(retrieved.subarray(0, 128).every((byte) => byte === 0)).toBe(true);
    expect(retrieved.subarray(128).equals(original.subarray(128))).toBe(true);

    const [metadata] = (await client.retrieveStudyMetadata({ studyInstanceUID: ct.study })) as Json[];
    const source = parsed(CT);
    expect(value(metadata, '00280010')).toBe(source.uint16('x00280010'));
    expect(value(metadata, '00280011')).toBe(source.uint16('x00280011'));
    expect(value(metadata, '00020010')).toBe('1.2.840.10008.1.2.1');
    expect(value(metadata, '00080018')).toBe(ct.instance);
    expect(metadata['7FE00010']).toBeUndefined();

    const [frame] = (await client.retrieveInstanceFrames({
      studyInstanceUID: ct.study,
      seriesInstanceUID: ct.series,
      sopInstanceUID: ct.instance,
      frameNumbers: [1],
    })) as Uint8Array[];
    const pixels = source.elements.x7fe00010;
    expect(Buffer.from(frame).equals(original.subarray(pixels.dataOffset, pixels.dataOffset + pixels.length))).toBe(true);
  });

  it('hands out RLE and JPEG baseline frames as stored, labelled with their transfer syntax', async () => {
    const rle = uidsOf(RLE);
    const rleFrames = (await clientFor(coordinator, otherCase.id).retrieveInstanceFrames({
      studyInstanceUID: rle.study,
      seriesInstanceUID: rle.series,
      sopInstanceUID: rle.instance,
      frameNumbers: [1, 2],
    })) as (Uint8Array & { contentType?: string })[];
    expect(rleFrames).toHaveLength(2);
    // An RLE frame opens with its 64-byte header: the number of segments (1 for 16-bit greyscale is 2).
    expect(Buffer.from(rleFrames[1]).readUInt32LE(0)).toBe(2);
    const us = uidsOf(US_JPEG);
    const jpeg = (await clientFor(coordinator, theCase.id).retrieveInstanceFrames({
      studyInstanceUID: us.study,
      seriesInstanceUID: us.series,
      sopInstanceUID: us.instance,
      frameNumbers: [8],
    })) as Uint8Array[];
    expect(Buffer.from(jpeg[0]).subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(Buffer.from(jpeg[0]).subarray(-2).toString('hex')).toBe('ffd9');
    const res = await request(app.getHttpServer())
      .get(`/console/cases/${theCase.id}/dicomweb/studies/${us.study}/series/${us.series}/instances/${us.instance}/frames/1`)
      .set({ Host: a.host, Cookie: coordinator.cookieHeader() })
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.headers['content-type']).toMatch(/^multipart\/related; type="image\/jpeg"; boundary=/);
    expect((res.body as Buffer).toString('latin1')).toContain('Content-Type: image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50');
    // Rendered: a browser-ready picture (PNG from decoded pixels, the stored JPEG as is) and a small thumbnail.
    const ct = uidsOf(CT);
    const ctBase = `/console/cases/${theCase.id}/dicomweb/studies/${ct.study}/series/${ct.series}/instances/${ct.instance}`;
    const rendered = await coordinator.get(`${ctBase}/rendered`);
    expect([rendered.status, rendered.headers['content-type']]).toEqual([200, 'image/png']);
    // The viewer's window/level presets: a bone window is another picture than a lung window; a window we cannot draw is 404.
    const picture = (query: string) =>
      request(app.getHttpServer())
        .get(`${ctBase}/rendered?window=${query}`)
        .set({ Host: a.host, Cookie: coordinator.cookieHeader() })
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        });
    const [bone, lung] = [await picture('300,1500'), await picture('-600,1500,LINEAR')];
    expect([bone.status, lung.status]).toEqual([200, 200]);
    expect(Buffer.compare(bone.body as Buffer, lung.body as Buffer)).not.toBe(0);
    for (const bad of ['300', '300,0', 'a,b', '40,400,SIGMOID']) {
      expect((await coordinator.get(`${ctBase}/rendered?window=${bad}`, { Accept: 'application/json' })).status).toBe(404);
    }
    const thumbnail = await coordinator.get(`${ctBase}/thumbnail`);
    expect([thumbnail.status, thumbnail.headers['content-type']]).toEqual([200, 'image/png']);
    const usBase = `/console/cases/${theCase.id}/dicomweb/studies/${us.study}/series/${us.series}/instances/${us.instance}`;
    const usRendered = await coordinator.get(`${usBase}/frames/3/rendered`);
    expect([usRendered.status, usRendered.headers['content-type']]).toEqual([200, 'image/jpeg']);
    expect((await coordinator.get(`${usBase}/frames/9/rendered`, { Accept: 'application/json' })).status).toBe(404);
    // No ninth frame: 404, not an empty answer.
    const missing = await coordinator.get(
      `/console/cases/${theCase.id}/dicomweb/studies/${us.study}/series/${us.series}/instances/${us.instance}/frames/9`,
    );
    expect(missing.status).toBe(404);
  });

  it('audits each study view once, however many frames and metadata requests it takes', async () => {
    const physician = new WebClient(app, a.host);
    await signInStaff(physician, a.people.physician);
    const client = clientFor(physician, theCase.id);
    const us = uidsOf(US_JPEG);
    await client.retrieveSeriesMetadata({ studyInstanceUID: us.study, seriesInstanceUID: us.series });
    for (let n = 1; n <= 8; n++) {
      await client.retrieveInstanceFrames({
        studyInstanceUID: us.study,
        seriesInstanceUID: us.series,
        sopInstanceUID: us.instance,
        frameNumbers: [n],
      });
    }
    const usFile = (await app.get(RecordsService).list({ tenantId: a.id, caseId: theCase.id })).find((f) => f.name === US_JPEG)!;
    const rows = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT entity_type, entity_id, outcome FROM audit_events WHERE action = 'records.study_view' AND actor_id = $1`, [
          a.people.physician.id,
        ]),
      );
    expect(rows).toEqual([{ entity_type: 'record_file', entity_id: usFile.id, outcome: 'allowed' }]);
  });

  it("lets the patient read their own studies, and answers 404 to another case's UID, other people and the other hospital", async () => {
    const patient = new WebClient(app, a.host);
    await signInPatient(patient, a.people.patient);
    const own = (await clientFor(patient, theCase.id, '/account').searchForStudies()) as Json[];
    expect(own).toHaveLength(2);
    const ct = uidsOf(CT);
    const elsewhere = uidsOf(RLE);
    // The other case's study, asked for under this case: as if it did not exist.
    for (const route of [
      `studies/${elsewhere.study}/metadata`,
      `studies/${elsewhere.study}/series/${elsewhere.series}/instances/${elsewhere.instance}`,
      `studies/${elsewhere.study}/series/${elsewhere.series}/instances/${elsewhere.instance}/frames/1`,
      `studies/${ct.study}/series/${ct.series}/instances/${elsewhere.instance}`,
      `studies/${elsewhere.study}/series`,
      `studies/not-a-uid/metadata`,
    ]) {
      expect((await coordinator.get(`/console/cases/${theCase.id}/dicomweb/${route}`, { Accept: 'application/json' })).status).toBe(404);
    }
    const coordinatorB = new WebClient(app, b.host);
    await signInStaff(coordinatorB, b.people.coordinator);
    const patientB = new WebClient(app, b.host);
    await signInPatient(patientB, b.people.patient);
    const anonymous = new WebClient(app, a.host);
    for (const [client, base] of [
      [coordinatorB, '/console'],
      [patientB, '/account'],
    ] as const) {
      for (const route of ['studies', `studies/${ct.study}/metadata`, `studies/${ct.study}/series/${ct.series}/instances/${ct.instance}`]) {
        expect((await client.get(`${base}/cases/${theCase.id}/dicomweb/${route}`, { Accept: 'application/json' })).status).toBe(404);
      }
    }
    const refused = await anonymous.get(`/console/cases/${theCase.id}/dicomweb/studies`, { Accept: 'application/json' });
    expect([401, 404]).toContain(refused.status);
  });
});
