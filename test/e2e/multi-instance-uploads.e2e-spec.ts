import { Case, CasePipeline } from '@consilium/cases';
import { TenantDatabase } from '@consilium/core';
import { RecordsService } from '@consilium/records';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { RunningProcess, startProcess } from '../support/processes';
import { S3StandIn } from '../support/s3-stand-in';
import { signInPatient } from '../support/staff-sign-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital, TestPeople } from '../support/tenants';
import { WebClient } from '../support/web-client';

const MiB = 1024 * 1024;
const SIZE = 128 * MiB;
/**
 * Bound of one test: 128 MiB sent, staged, assembled, stored, processed and downloaded takes well under a minute on a
 * quiet machine, but the whole suite runs on two shared cores, where it has taken several.
 */
const UPLOAD_TEST_MS = 900_000;
/** What the browser's resumable client sends per PATCH. */
const CHUNK = 8 * MiB;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/**
 * A patient's 128 MiB resumable upload behind a load balancer: two platform processes built from dist/, one database,
 * one records store (two instances sharing DATA_DIR, or S3 through the stand-in), each chunk to the other instance, as
 * a round-robin balancer would send them; then one instance killed (SIGKILL) mid-chunk and the client resuming on
 * the other. Each upload must complete and download byte for byte as sent.
 */
describe('resumable uploads across instances', () => {
  const source = tempDir('multi-upload-source');
  const file = path.join(source.dir, 'study.pdf');
  let sha256: string;
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let people: TestPeople;

  beforeAll(async () => {
    // A PDF header and incompressible bytes, written once for both stores.
    const hash = createHash('sha256');
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(CHUNK);
    for (let written = 0; written < SIZE; written += CHUNK) {
      const bytes = randomFillSync(block.subarray(0, Math.min(CHUNK, SIZE - written)));
      if (written === 0) bytes.write('%PDF-1.7\n', 0, 'latin1');
      hash.update(bytes);
      writeSync(fd, bytes);
    }
    closeSync(fd);
    sha256 = hash.digest('hex');
    db = await isolatedDatabase('multi-upload');
    // In this process: the hospital, its people and their cases, made through the product's own services.
    app = await createTestApp(
      { ...db.env, DATA_DIR: source.dir, FILES_MASTER_KEY: Buffer.alloc(32, 2).toString('base64') },
      {},
      { domains: true },
    );
    a = await createTestHospital(app);
    people = a.people;
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    source.remove();
  });

  /** A submitted case of the test patient, made by the pipeline: patients may send records to it. */
  async function submittedCase(): Promise<string> {
    const pipeline = app.get(CasePipeline);
    return app.get(TenantDatabase).forTenant(a.id, async (tx) => {
      const created = await tx.save(
        Case,
        tx.create(Case, {
          tenantId: a.id,
          number: await pipeline.nextNumber(tx, a.id, 'TST'),
          state: 'draft',
          patientId: people.patient.id,
          route: 'direct',
          quoteAcceptedAt: new Date(),
          paymentAuthorizedAt: new Date(),
        }),
      );
      await pipeline.move(tx, created.id, 'submit', 'patient', {
        facts: { consentsGiven: true },
        actor: { id: people.patient.id, kind: 'patient', roles: [] },
      });
      return created.id;
    });
  }

  function chunk(offset: number, length = CHUNK): Buffer {
    const bytes = Buffer.alloc(Math.min(length, SIZE - offset));
    const fd = openSync(file, 'r');
    try {
      readSync(fd, bytes, 0, bytes.length, offset);
    } finally {
      closeSync(fd);
    }
    return bytes;
  }

  /** The patient's browser, as resumable-upload.js speaks tus: its cookies and the page's CSRF token on each request. */
  class Patient {
    private token = '';
    constructor(readonly web: WebClient) {}

    async open(instance: RunningProcess, caseId: string): Promise<string> {
      const page = await this.web.get(`/account/cases/${caseId}`);
      expect(page.status).toBe(200);
      this.token = /action="[^"]*\?_csrf=([^"&]+)"/.exec(page.text)![1];
      const endpoint = /data-resumable="([^"]+)"/.exec(page.text)![1];
      const created = await this.send(instance, 'POST', endpoint, {
        'Upload-Length': String(SIZE),
        'Upload-Metadata': `filename ${Buffer.from('CT chest.pdf').toString('base64')}`,
      });
      expect(created.status).toBe(201);
      return created.headers.location!;
    }

    send(instance: RunningProcess, method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: instance.port,
            method,
            path: url,
            agent: false,
            headers: {
              Host: a.host,
              Cookie: this.web.cookieHeader(),
              'Tus-Resumable': '1.0.0',
              'x-csrf-token': this.token,
              'Content-Length': String(body?.length ?? 0),
              ...headers,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }

    patch(instance: RunningProcess, url: string, offset: number): Promise<Answer> {
      return this.send(
        instance,
        'PATCH',
        url,
        { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
        chunk(offset),
      );
    }

    async offset(instance: RunningProcess, url: string): Promise<number> {
      const head = await this.send(instance, 'HEAD', url, {});
      expect(head.status).toBe(200);
      return Number(head.headers['upload-offset']);
    }

    /**
     * Starts a PATCH of everything from `offset`, then SIGKILLs the instance once `killAfter` bytes have gone out.
     * Resolves with the status if the instance answered before it was killed, else null.
     */
    killMidChunk(instance: RunningProcess, url: string, offset: number, killAfter: number): Promise<number | string | null> {
      return new Promise((resolve) => {
        const req = http.request({
          host: '127.0.0.1',
          port: instance.port,
          method: 'PATCH',
          path: url,
          agent: false,
          headers: {
            Host: a.host,
            Cookie: this.web.cookieHeader(),
            'Tus-Resumable': '1.0.0',
            'x-csrf-token': this.token,
            'Upload-Offset': String(offset),
            'Content-Type': 'application/offset+octet-stream',
            'Content-Length': String(SIZE - offset),
          },
        });
        // After the kill the connection dies with the instance, and the exit resolves; before it, an error is news.
        req.on('error', (error) => {
          if (sent < killAfter) resolve(`error after ${sent} bytes: ${error.message}`);
        });
        let sent = 0;
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        const next = () => {
          if (sent >= killAfter) {
            instance.child.kill('SIGKILL');
            void instance.exited.then(() => resolve(null));
            return;
          }
          const piece = chunk(offset + sent, MiB);
          sent += piece.length;
          req.write(piece, next);
        };
        next();
      });
    }

    /** The file's bytes as the portal serves them, hashed as they stream. */
    download(instance: RunningProcess, fileId: string): Promise<{ status: number; size: number; sha256: string }> {
      return new Promise((resolve, reject) => {
        http
          .get(
            {
              host: '127.0.0.1',
              port: instance.port,
              path: `/account/records/${fileId}/content`,
              agent: false,
              headers: { Host: a.host, Cookie: this.web.cookieHeader() },
            },
            (res) => {
              const hash = createHash('sha256');
              let size = 0;
              res.on('data', (c: Buffer) => {
                hash.update(c);
                size += c.length;
              });
              res.on('end', () => resolve({ status: res.statusCode!, size, sha256: hash.digest('hex') }));
            },
          )
          .on('error', reject);
      });
    }
  }

  async function signedInPatient(instance: RunningProcess): Promise<Patient> {
    const web = new WebClient(instance.url, a.host);
    await signInPatient(web, people.patient);
    return new Patient(web);
  }

  /** Patches chunk after chunk from where the server stands, to `instances` in turn; the last answer. */
  async function sendRest(patient: Patient, instances: RunningProcess[], url: string, from: number): Promise<Answer> {
    let offset = from;
    let turn = 0;
    for (;;) {
      const res = await patient.patch(instances[turn++ % instances.length], url, offset);
      expect(res.status).toBe(204);
      offset = Number(res.headers['upload-offset']);
      if (offset === SIZE) return res;
    }
  }

  async function readyAndIdentical(patient: Patient, instance: RunningProcess, last: Answer): Promise<string> {
    const fileId = last.headers['record-file-id'] as string;
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);
    const file = await eventually(
      async () => {
        const f = await app.get(RecordsService).find(a.id, fileId);
        if (f.status !== 'ready') throw new Error(`still ${f.status}`);
        return f;
      },
      300000,
      500,
    );
    expect(file).toMatchObject({ sizeBytes: SIZE, sha256, detectedType: 'pdf', name: 'CT chest.pdf' });
    expect(await patient.download(instance, fileId)).toEqual({ status: 200, size: SIZE, sha256 });
    return fileId;
  }

  describe.each([
    ['local storage shared by both instances (one DATA_DIR)', 'local'],
    ['S3 (multipart parts through the stand-in)', 's3'],
  ])('on %s', (_label, backend) => {
    const data = tempDir('multi-upload-data');
    const s3 = new S3StandIn('consilium-multi');
    let one: RunningProcess;
    let two: RunningProcess;

    const stagingEmpty = () => {
      if (backend === 's3') {
        expect([...s3.uploads.values()].filter((u) => u.key.startsWith('uploads/'))).toEqual([]);
        expect([...s3.objects.keys()].filter((key) => key.startsWith('uploads/'))).toEqual([]);
      } else {
        const staging = path.join(data.dir, 'files', '.uploads');
        expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
      }
    };

    beforeAll(async () => {
      const env: Record<string, string> = { ...db.env, DATA_DIR: data.dir, JOBS_RUN_IN_PLATFORM: 'true' };
      if (backend === 's3') {
        Object.assign(env, {
          S3_BUCKET: 'consilium-multi',
          S3_ENDPOINT: await s3.start(),
          S3_REGION: 'eu-west-1',
          // The SDK's default credential chain reads these; the stand-in checks no signature.
          AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
          AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
        });
      }
      [one, two] = await Promise.all([startProcess('platform', env), startProcess('platform', env)]);
    }, 120000);

    afterAll(async () => {
      await Promise.all([one, two].filter(Boolean).map((p) => p.stop()));
      if (backend === 's3') await s3.stop();
      data.remove();
    });

    it(
      'completes a 128 MiB upload whose chunks alternate between the two instances, byte-identical when downloaded',
      async () => {
        const patient = await signedInPatient(one);
        const url = await patient.open(one, await submittedCase());
        // Each instance sees where the other left off: the offset lives in the row, the bytes in the shared store.
        expect((await patient.patch(two, url, 0)).status).toBe(204);
        expect(await patient.offset(one, url)).toBe(CHUNK);
        const last = await sendRest(patient, [one, two], url, CHUNK);
        await readyAndIdentical(patient, one, last);
        stagingEmpty();
      },
      UPLOAD_TEST_MS,
    );

    it(
      'resumes on the other instance after the one taking a chunk is killed mid-chunk (SIGKILL)',
      async () => {
        const patient = await signedInPatient(two);
        const url = await patient.open(one, await submittedCase());
        let offset = 0;
        for (let turn = 0; turn < 6; turn++) {
          const res = await patient.patch(turn % 2 === 0 ? one : two, url, offset);
          expect(res.status).toBe(204);
          offset = Number(res.headers['upload-offset']);
        }
        // Instance one takes the next request (everything left) and dies with 20 MiB of it received.
        expect(await patient.killMidChunk(one, url, offset, 20 * MiB)).toBeNull();
        expect(one.child.signalCode).toBe('SIGKILL');
        // The browser asks the survivor where to resume: what was committed, not what the dead instance was writing.
        expect(await patient.offset(two, url)).toBe(offset);
        // The dead instance's lease holds the upload until it lapses (seconds, not the upload's day), then it goes on.
        let held = 0;
        const resumed = await eventually(
          async () => {
            const res = await patient.patch(two, url, offset);
            if (res.status === 423) {
              held++;
              throw new Error('still held by the dead instance');
            }
            return res;
          },
          30000,
          500,
        );
        expect(resumed.status).toBe(204);
        expect(held).toBeGreaterThan(0);
        const after = Number(resumed.headers['upload-offset']);
        const last = after === SIZE ? resumed : await sendRest(patient, [two], url, after);
        await readyAndIdentical(patient, two, last);
        // The dead instance's uncommitted bytes went with the rest of the staging.
        stagingEmpty();
      },
      UPLOAD_TEST_MS,
    );
  });
});
