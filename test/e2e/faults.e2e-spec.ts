import { EmbeddedDatabase, startEmbeddedDatabase, runMigrations } from '@consilium/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { allMigrations } from '../../migrations';
import { eventually } from '../support/eventually';
import { freePort } from '../support/ports';
import { httpGet, startProcess } from '../support/processes';
import { signInPatient } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTestPeople, createTestTenant, TestPeople, TestTenant } from '../support/tenants';
import { WebClient } from '../support/web-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Faults a deployment meets: an instance told to stop while it serves, and its database going away and coming back.
 * The database here is a PostgreSQL of this suite's own (it is stopped and started), the platform a real process.
 */
describe('faults', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'consilium-faults-'));
  let db: EmbeddedDatabase;
  let env: Record<string, string>;
  let app: NestFastifyApplication;
  let a: TestTenant;
  let people: TestPeople;

  beforeAll(async () => {
    chmodSync(dataDir, 0o755);
    db = await startEmbeddedDatabase({ dataDir, port: await freePort(), settings: { fsync: 'off', synchronous_commit: 'off' } });
    await runMigrations(db.urls.owner, allMigrations);
    env = { DATABASE_URL: db.urls.runtime, DATABASE_OWNER_URL: db.urls.owner, DATABASE_OPERATOR_URL: db.urls.operator };
    app = await createTestApp(env);
    a = await createTestTenant(app);
    people = await createTestPeople(app, a);
  }, 120000);

  afterAll(async () => {
    await app?.close();
    await db?.server.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('drains on SIGTERM under load: readiness turns 503 first, every request sent before that is answered', async () => {
    const instance = await startProcess('platform', { ...env, SHUTDOWN_DRAIN_MS: '1500' });
    let routed = true; // what a load balancer does: stop sending once readiness fails
    const results: number[] = [];
    let readyWentDownAt = 0;
    const loops = Array.from({ length: 8 }, async () => {
      while (routed) results.push((await httpGet(instance.port, '/', a.host)).status);
    });
    const probe = (async () => {
      while (routed) {
        const ready = await httpGet(instance.port, '/health/ready');
        if (ready.status === 503) {
          readyWentDownAt = Date.now();
          routed = false;
        }
        await sleep(100);
      }
    })();
    await sleep(1500);
    const sent = Date.now();
    instance.child.kill('SIGTERM');
    await Promise.all([...loops, probe]);
    const code = await instance.exited;
    expect(readyWentDownAt - sent).toBeLessThan(1000);
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((s) => s !== 200)).toEqual([]);
    expect(code).toBe(0);
  }, 60000);

  it('answers 503 at once while PostgreSQL is down, and recovers when it is back, without a restart', async () => {
    const instance = await startProcess('platform', env);
    try {
      const patient = new WebClient(instance.url, a.host);
      await signInPatient(patient, people.patient);
      expect((await patient.get('/account')).status).toBe(200);

      await db.server.stop();
      const ready = await httpGet(instance.port, '/health/ready');
      expect(ready.status).toBe(503);
      // Nothing of the error itself (addresses, driver messages) reaches the client.
      expect(ready.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      const account = await patient.get('/account');
      expect(account.status).toBe(503);
      expect(account.text).toContain('briefly unavailable');
      const started = Date.now();
      await patient.get('/account');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(instance.child.exitCode).toBeNull();

      await db.server.start();
      const until = Date.now() + 20000;
      let status = 0;
      while (Date.now() < until && status !== 200) {
        status = (await patient.get('/account')).status;
        if (status !== 200) await sleep(200);
      }
      expect(status).toBe(200);
      expect((await httpGet(instance.port, '/health/ready')).status).toBe(200);
    } finally {
      if (!(await isRunning(db))) await db.server.start();
      await instance.stop();
    }
  }, 90000);

  it('stays live whatever the Host while PostgreSQL is down (a failover restarts nothing), and only readiness fails', async () => {
    const [platform, worker] = await Promise.all([startProcess('platform', env), startProcess('worker', env)]);
    // A kubelet probes the pod's IP; people and tools say localhost; a hospital's host and an unknown one come through
    // the load balancer. None of them may decide liveness.
    const hosts = ['10.1.2.3:3000', 'localhost', a.host, 'unknown.example.net'];
    try {
      for (const host of hosts) expect((await httpGet(platform.port, '/health/ready', host)).status).toBe(200);
      expect((await httpGet(worker.port, '/health/ready')).status).toBe(200);

      await db.server.stop();
      for (const host of hosts) {
        const live = await httpGet(platform.port, '/health/live', host);
        // Status 0 is no answer at all: say why (the process's last words) rather than only that.
        if (live.status === 0) throw new Error(`no answer (exit ${platform.child.exitCode}):\n${platform.output.join('').slice(-4000)}`);
        expect({ host, status: live.status, body: live.body }).toEqual({ host, status: 200, body: '{"status":"ok"}' });
        const ready = await httpGet(platform.port, '/health/ready', host);
        expect({ host, status: ready.status }).toEqual({ host, status: 503 });
        expect((JSON.parse(ready.body) as { checks: Record<string, string> }).checks.database).toBe('unreachable');
      }
      expect((await httpGet(worker.port, '/health/live')).status).toBe(200);
      // The worker's readiness: the database, and its job loops polling it.
      const workerReady = await eventually(async () => {
        const r = await httpGet(worker.port, '/health/ready');
        expect(r.status).toBe(503);
        return JSON.parse(r.body) as { checks: Record<string, string> };
      });
      expect(workerReady.checks.database).toBe('unreachable');
      expect(platform.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();

      await db.server.start();
      await eventually(async () => expect((await httpGet(platform.port, '/health/ready', '10.1.2.3:3000')).status).toBe(200), 20000, 200);
      await eventually(async () => expect((await httpGet(worker.port, '/health/ready')).status).toBe(200), 20000, 200);
    } finally {
      if (!(await isRunning(db))) await db.server.start();
      await Promise.all([platform.stop(), worker.stop()]);
    }
  }, 90000);
});

async function isRunning(db: EmbeddedDatabase): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: db.urls.owner, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
