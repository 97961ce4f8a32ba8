import { NotFound, OperatorDatabase } from '@consilium/core';
import { RecordAccess, RecordsHttpModule, RecordTarget } from '@consilium/records';
import { Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestApp } from './test-app';

/** Stands in for the intake's access rules: only cases the test opened are reachable; everything else is 404. */
@Injectable()
export class TestRecordAccess extends RecordAccess {
  private readonly open = new Set<string>();
  readonly asked: string[] = [];

  allow(caseId: string): void {
    this.open.add(caseId);
  }

  assertCanUpload(caseId: string): Promise<void> {
    this.asked.push(`upload:${caseId}`);
    return this.open.has(caseId) ? Promise.resolve() : Promise.reject(new NotFound());
  }

  assertCanRead(target: RecordTarget): Promise<void> {
    this.asked.push(`read:${target.caseId}`);
    return this.open.has(target.caseId) ? Promise.resolve() : Promise.reject(new NotFound());
  }
}

export interface RecordsTestApp {
  app: NestFastifyApplication;
  access: TestRecordAccess;
  dataDir: string;
  close(): Promise<void>;
}

/** The platform app with the records routes mounted at the root and local encrypted storage in a temporary folder. */
export async function createRecordsApp(
  overrides: Record<string, string> = {},
  options: { access?: boolean } = {},
): Promise<RecordsTestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-records-'));
  const module = RecordsHttpModule.register(options.access === false ? {} : { access: TestRecordAccess });
  const app = await createTestApp(
    { DATA_DIR: dataDir, FILES_MASTER_KEY: randomBytes(32).toString('base64'), ...overrides },
    { imports: [module] },
  );
  return {
    app,
    access: app.get<RecordAccess, TestRecordAccess>(RecordAccess, { strict: false }),
    dataDir,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface UploadedFile {
  id: string;
  status: string;
  type: string | null;
  name: string;
  rejection: { code: string; message: string } | null;
  sizeBytes: number | null;
  sha256: string | null;
  duplicateOf: string | null;
  preambleZeroed: boolean;
  dicom: Record<string, unknown> | null;
  archive: { entries: number; accepted: number; rejected: number; studies: Record<string, unknown>[] } | null;
  parentId: string | null;
}

/** One multipart request with the given files, as a browser form would send them. */
export async function uploadFiles(
  t: RecordsTestApp,
  host: string,
  caseId: string,
  files: [string, Buffer][],
): Promise<{ status: number; files: UploadedFile[]; body: Record<string, unknown> }> {
  let req = request(t.app.getHttpServer()).post(`/cases/${caseId}/records`).set('Host', host).set('Accept', 'application/json');
  for (const [name, bytes] of files) req = req.attach('file', bytes, name);
  const res = await req;
  return { status: res.status, files: res.body.files ?? [], body: res.body };
}

export async function listCase(
  t: RecordsTestApp,
  host: string,
  caseId: string,
): Promise<{ files: UploadedFile[]; studies: Record<string, unknown>[]; usage: { usedBytes: number } }> {
  const res = await request(t.app.getHttpServer()).get(`/cases/${caseId}/records`).set('Host', host).set('Accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body;
}

/**
 * A real case of `tenant` with its own patient (records belong to cases by a foreign key), opened to TestRecordAccess.
 * Written through the operator path, as test people are.
 */
export async function openCase(t: RecordsTestApp, tenant: { id: string }): Promise<string> {
  const caseId = await t.app.get(OperatorDatabase).forTenant(tenant.id, async (tx) => {
    const tag = randomBytes(6).toString('hex');
    const [patient] = await tx.query(
      `INSERT INTO accounts (tenant_id, kind, email, name, email_verified_at) VALUES ($1, 'patient', $2, 'Records patient', now()) RETURNING id`,
      [tenant.id, `records.${tag}@example.org`],
    );
    const [row] = await tx.query(`INSERT INTO cases (tenant_id, number, patient_id) VALUES ($1, $2, $3) RETURNING id`, [
      tenant.id,
      `REC-${tag}`,
      patient.id,
    ]);
    return row.id as string;
  });
  t.access.allow(caseId);
  return caseId;
}

/** Every file the storage holds, relative to its root (ignoring the empty temporary folder). */
export function storedFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'files');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}
