import { PaymentsService } from '@consilium/billing';
import { MetricsRegistry, TenantDatabase } from '@consilium/core';
import { AccountMail, IdentityModule, OperatorAccounts } from '@consilium/identity';
import { defineJob, JobContext, JobHandler, JobHandlerInstance, JobQueue, JobRunner } from '@consilium/jobs';
import { BounceRecorder, Mailer, SesFeedbackNotification, SuppressionList } from '@consilium/notifications';
import { RecordsService } from '@consilium/records';
import { Injectable } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { pdf, peExecutable } from '../support/hostile-files';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { createTestQueues } from '../support/job-queues';
import { checkout, draftCase } from '../support/payments';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInPatient, signInStaff } from '../support/staff-sign-in';
import { tempDir } from '../support/temp-dirs';
import { makeZip } from '../support/zip-writer';
import { createTestHospital, TEST_PASSWORD, TEST_TOTP_SECRET, TestHospital, TestPeople } from '../support/tenants';
import { createTestApp } from '../support/test-app';
import { WebClient } from '../support/web-client';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, enough of it for assertions: `name{a="b",c="d"} value`. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

interface Probe {
  tenantId: string;
  failFirst?: boolean;
  holdMs?: number;
}
const FLAKY = defineJob<Probe>({
  name: 'test-metrics-flaky',
  retryLimit: 2,
  retryDelaySeconds: 0,
  retryBackoff: false,
  expireInSeconds: 30,
});
const DOOMED = defineJob<Probe>({
  name: 'test-metrics-doomed',
  retryLimit: 0,
  retryDelaySeconds: 0,
  retryBackoff: false,
  expireInSeconds: 30,
});
/** Released by the test: a job that stays active until then. */
const held = { release: () => undefined as void, until: Promise.resolve() };

@Injectable()
@JobHandler(FLAKY)
class FlakyHandler implements JobHandlerInstance<Probe> {
  async handle(job: JobContext<Probe>) {
    if (job.payload.holdMs) await held.until;
    if (job.payload.failFirst && job.attempt === 1) throw new Error('first attempt fails');
    return { outcome: 'ok' };
  }
}

@Injectable()
@JobHandler(DOOMED)
class DoomedHandler implements JobHandlerInstance<Probe> {
  handle(): Promise<never> {
    return Promise.reject(new Error('always fails'));
  }
}

describe('/metrics', () => {
  const token = randomBytes(32).toString('hex');
  let app: NestFastifyApplication;
  let tenant: TestHospital;
  let people: TestPeople;

  const scrape = async () => {
    const res = await request(app.getHttpServer()).get('/metrics').set('Host', '10.0.0.7:3000').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return { res, samples: parse(res.text) };
  };

  beforeAll(async () => {
    app = await createTestApp(
      { METRICS_TOKEN: token, DATABASE_POOL_SIZE: '7' },
      { imports: [IdentityModule], providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
    );
    tenant = await createTestHospital(app);
    people = tenant.people;
  });

  afterAll(() => app.close());

  it('refuses a scraper without the token or with a wrong one, on any host', async () => {
    for (const host of ['10.0.0.7:3000', tenant.host, 'admin.localhost']) {
      const none = await request(app.getHttpServer()).get('/metrics').set('Host', host);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(none.text).not.toContain('consilium_');
      const wrong = await request(app.getHttpServer())
        .get('/metrics')
        .set('Host', host)
        .set('Authorization', `Bearer ${token.slice(1)}x`);
      expect(wrong.status).toBe(401);
    }
  });

  it('answers the token in the Prometheus text format with process, pool and request metrics', async () => {
    const { res, samples } = await scrape();
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names).toContain(name);
    }
    expect(value(samples, 'consilium_db_pool_max_connections', { pool: 'runtime' })).toBe(7);
    expect(value(samples, 'consilium_db_pool_connections', { pool: 'runtime' })).toBeGreaterThanOrEqual(1);
    expect(names).toContain('consilium_db_pool_idle_connections');
    expect(names).toContain('consilium_db_pool_waiting_clients');
    // The operator path connected while the test tenant was created: its pool is reported too.
    expect(value(samples, 'consilium_db_pool_max_connections', { pool: 'operator' })).toBe(4);
    expect(value(samples, 'consilium_http_requests_in_flight', {})).toBe(1); // this scrape itself
  });

  it('counts requests per route pattern, method and status', async () => {
    const key = { method: 'GET', route: '/health/live', status_code: '200' };
    const before = value((await scrape()).samples, 'consilium_http_request_duration_seconds_count', key);
    for (let i = 0; i < 3; i++) await request(app.getHttpServer()).get('/health/live').expect(200);
    const { samples } = await scrape();
    expect(value(samples, 'consilium_http_request_duration_seconds_count', key)).toBe(before + 3);
    expect(value(samples, 'consilium_http_request_duration_seconds_bucket', { ...key, le: '+Inf' })).toBe(before + 3);
    expect(value(samples, 'consilium_http_request_duration_seconds_sum', key)).toBeGreaterThan(0);
  });

  it('counts the public pages answered from the page cache, apart and in the request metrics under their route', async () => {
    const faq = { method: 'GET', route: '/faq', status_code: '200' };
    const before = (await scrape()).samples;
    const visitor = { Host: tenant.host, Cookie: `cs_vid=${randomUUID()}` };
    const entries = (s: typeof before) => value(s, 'consilium_page_cache_entries', {});
    await request(app.getHttpServer()).get('/faq').set(visitor).expect(200);
    // The page is kept once compressed, just after its first answer (a loaded machine may take a moment): then two hits.
    await eventually(async () => expect(entries((await scrape()).samples)).toBeGreaterThan(entries(before)), 10000, 25);
    for (let i = 0; i < 2; i++) await request(app.getHttpServer()).get('/faq').set(visitor).expect(200);
    const { samples } = await scrape();
    // The first view fills the cache; the next two are hits, answered before the framework but counted all the same.
    expect(value(samples, 'consilium_page_cache_hits_total', {})).toBe(value(before, 'consilium_page_cache_hits_total', {}) + 2);
    expect(value(samples, 'consilium_http_request_duration_seconds_count', faq)).toBe(
      value(before, 'consilium_http_request_duration_seconds_count', faq) + 3,
    );
    expect(value(samples, 'consilium_page_cache_entries', {})).toBeGreaterThanOrEqual(1);
  });

  it('labels requests with the route pattern, never the URL: no ids, emails or query strings reach a label', async () => {
    const id = randomUUID();
    const email = 'jane.patient@example.org';
    const admin = new WebClient(app, tenant.host);
    await signInStaff(admin, people.admin);
    await admin.post(`/console/staff/${id}/disable`); // a route with an :id, for someone who does not exist
    await admin.get(`/console/staff?email=${encodeURIComponent(email)}`);
    await request(app.getHttpServer())
      .get(`/cases/${id}/records?name=${encodeURIComponent(email)}`)
      .set('Host', tenant.host);

    const { res, samples } = await scrape();
    expect(res.text).not.toContain(id);
    expect(res.text).not.toContain('jane');
    expect(res.text).not.toContain(tenant.host);
    const routes = new Set(samples.filter((s) => s.name === 'consilium_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect(routes).toContain('/console/staff/:id/disable');
    expect(routes).toContain('/console/staff');
    expect(routes).toContain('unmatched'); // the unknown path, whatever it carried
    for (const route of routes) expect(route).not.toMatch(/[?=@]|[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('lets a signed-in operator read it on the operator host only, after the second factor', async () => {
    const email = `metrics.${Date.now()}@consilium.example`;
    await app.get(OperatorAccounts).upsert({ email, name: 'Ops', password: TEST_PASSWORD, totpSecret: TEST_TOTP_SECRET });
    const op = new WebClient(app, 'admin.localhost');
    expect((await op.get('/metrics')).status).toBe(401);
    await op.submit('/operator/sign-in', { email, password: TEST_PASSWORD });
    expect((await op.get('/metrics')).status).toBe(401); // password only: second factor pending
    await op.submit('/operator/mfa', { code: await freshCode(email, undefined, app) });
    const page = await op.get('/metrics');
    expect(page.status).toBe(200);
    expect(page.text).toContain('consilium_http_request_duration_seconds_count');

    // The operator's cookie is nothing on a hospital host, and hospital staff are not operators.
    const elsewhere = new WebClient(app, tenant.host);
    for (const [k, v] of op.cookies) elsewhere.cookies.set(k, v);
    expect((await elsewhere.get('/metrics')).status).toBe(401);
    const admin = new WebClient(app, tenant.host);
    await signInStaff(admin, people.admin);
    expect((await admin.get('/metrics')).status).toBe(401);
  });

  it('exposes what other libs register (the jobs lib adds its queue gauges this way)', async () => {
    const metrics = app.get(MetricsRegistry);
    const depth = metrics.gauge({ name: 'consilium_test_queue_depth', help: 'test', labelNames: ['queue'] });
    expect(metrics.gauge({ name: 'consilium_test_queue_depth', help: 'test', labelNames: ['queue'] })).toBe(depth);
    expect(() => metrics.counter({ name: 'consilium_test_queue_depth', help: 'test' })).toThrow(/another type/);
    depth.set({ queue: 'email' }, 5);
    expect(value((await scrape()).samples, 'consilium_test_queue_depth', { queue: 'email' })).toBe(5);
  });
});

/** The platform as it runs (every domain, a job runner), on a database of its own: job queues are platform-wide. */
describe('/metrics: jobs, email, records and payments move when their events happen', () => {
  const token = randomBytes(32).toString('hex');
  const outbox = tempDir('metrics-outbox');
  const files = tempDir('metrics-files');
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let tenant: TestHospital;
  let people: TestPeople;

  const samples = async () => {
    const res = await request(app.getHttpServer()).get('/metrics').set('Host', '10.0.0.7:3000').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return parse(res.text);
  };
  /** Waits until `name{labels}` has moved by `by` from `before` (other events of the suite never touch these labels). */
  const movedBy = (name: string, labels: Record<string, string>, before: number, by = 1) =>
    eventually(async () => expect(value(await samples(), name, labels)).toBe(before + by), 15000, 100);
  const now = async (name: string, labels: Record<string, string>) => value(await samples(), name, labels);

  beforeAll(async () => {
    db = await isolatedDatabase('metrics');
    await createTestQueues(db.owner, [FLAKY.name, DOOMED.name]);
    app = await createTestApp(
      {
        ...db.env,
        METRICS_TOKEN: token,
        EMAIL_OUTBOX_DIR: outbox.dir,
        DATA_DIR: files.dir,
        FILES_MASTER_KEY: randomBytes(32).toString('base64'),
        JOBS_POLL_SECONDS: '0.5',
      },
      { providers: [FlakyHandler, DoomedHandler] },
      { domains: true },
    );
    await app.get(JobRunner).start();
    tenant = await createTestHospital(app);
    people = tenant.people;
  });

  afterAll(async () => {
    held.release();
    await app?.close();
    await db?.drop();
    outbox.remove();
    files.remove();
  });

  const enqueue = (job: typeof FLAKY, payload: Omit<Probe, 'tenantId'>, options: { startAfter?: number } = {}) =>
    app.get(TenantDatabase).forTenant(tenant.id, (tx) => app.get(JobQueue).enqueue(tx, job, { tenantId: tenant.id, ...payload }, options));

  it('jobs: attempts by outcome with their durations, and queue depth, active and dead jobs per queue', async () => {
    const flaky = { queue: FLAKY.name };
    const text = (await request(app.getHttpServer()).get('/metrics').set('Authorization', `Bearer ${token}`)).text;
    for (const family of ['consilium_job_queue_depth gauge', 'consilium_job_active gauge', 'consilium_job_failed gauge'])
      expect(text).toContain(`# TYPE ${family}`);

    await enqueue(FLAKY, { failFirst: true });
    await movedBy('consilium_job_attempts_total', { ...flaky, outcome: 'retried' }, 0);
    await movedBy('consilium_job_attempts_total', { ...flaky, outcome: 'completed' }, 0);
    expect(await now('consilium_job_duration_seconds_count', { ...flaky, outcome: 'completed' })).toBe(1);

    await enqueue(DOOMED, {});
    await movedBy('consilium_job_attempts_total', { queue: DOOMED.name, outcome: 'failed' }, 0);
    await movedBy('consilium_job_failed', { queue: DOOMED.name }, 0);

    // Waiting: due in an hour. Running: held until the test lets it go.
    await enqueue(FLAKY, {}, { startAfter: 3600 });
    await movedBy('consilium_job_queue_depth', flaky, 0);
    held.until = new Promise((resolve) => (held.release = resolve));
    await enqueue(FLAKY, { holdMs: 1 });
    await movedBy('consilium_job_active', flaky, 0);
    held.release();
    await movedBy('consilium_job_active', flaky, 1, -1);
    await movedBy('consilium_job_attempts_total', { ...flaky, outcome: 'completed' }, 1);
  });

  it('emails: sent and suppressed by transport, and bounces and complaints SES reports', async () => {
    const send = (to: string) =>
      app
        .get(TenantDatabase)
        .forTenant(tenant.id, (tx) =>
          app.get(Mailer).send(tx, { tenantId: tenant.id, to, template: 'new-message', data: { caseId: randomUUID() } }),
        );
    const sent = { outcome: 'sent', transport: 'outbox' };
    const before = await now('consilium_emails_total', sent);
    await send('first.patient@example.org');
    await movedBy('consilium_emails_total', sent, before);

    const blocked = 'bounced.patient@example.org';
    await app.get(SuppressionList).add(tenant.id, [{ address: blocked, reason: 'bounce', detail: 'General' }]);
    const suppressed = { outcome: 'suppressed', transport: 'outbox' };
    const wasSuppressed = await now('consilium_emails_total', suppressed);
    await send(blocked);
    await movedBy('consilium_emails_total', suppressed, wasSuppressed);
    expect(await now('consilium_emails_total', sent)).toBe(before + 1);

    const recorder = app.get(BounceRecorder);
    const bounce = (bounceType: string): SesFeedbackNotification => ({
      notificationType: 'Bounce',
      bounce: { bounceType, bouncedRecipients: [{ emailAddress: 'gone@example.org' }] },
      mail: { source: 'no-reply@nowhere.example', messageId: randomUUID() },
    });
    const complaint: SesFeedbackNotification = {
      notificationType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'annoyed@example.org' }] },
    };
    const reports: [SesFeedbackNotification, string][] = [
      [bounce('Permanent'), 'bounce'],
      [bounce('Transient'), 'transient_bounce'],
      [complaint, 'complaint'],
    ];
    for (const [notification, kind] of reports) {
      const was = await now('consilium_email_bounces_total', { kind });
      await recorder.record(notification, randomUUID());
      expect(await now('consilium_email_bounces_total', { kind })).toBe(was + 1);
    }
  });

  it('records: processed by type, refused by reason and stage', async () => {
    const c = await draftCase(app, tenant, people.patient.id, { total: 1000 });
    const ref = { tenantId: tenant.id, caseId: c.id };
    const send = (bytes: Buffer, name: string) => app.get(RecordsService).receive(ref, Readable.from([bytes]), name);
    const report = pdf(4096);
    await send(report, 'report.pdf');
    await movedBy('consilium_records_processed_total', { type: 'pdf' }, 0);

    await send(report, 'report-again.pdf');
    expect(await now('consilium_records_refused_total', { reason: 'duplicate_file', stage: 'upload' })).toBe(1);

    // Refused on upload: a program, judged by its bytes.
    await send(peExecutable(), 'viewer.exe');
    expect(await now('consilium_records_refused_total', { reason: 'executable_file', stage: 'upload' })).toBe(1);

    // Refused while processed: an archive that inflates a thousandfold.
    await send(makeZip([{ name: 'scan.dcm', data: Buffer.alloc(2 * 1024 * 1024) }]), 'study.zip');
    await movedBy('consilium_records_refused_total', { reason: 'archive_suspicious_compression', stage: 'processing' }, 0);
  });

  it('payments: each status reached, by outcome and provider', async () => {
    const authorized = { outcome: 'authorized', provider: 'demo' };
    const released = { outcome: 'released', provider: 'demo' };
    const [wasAuthorized, wasReleased] = [
      await now('consilium_payments_total', authorized),
      await now('consilium_payments_total', released),
    ];
    const c = await draftCase(app, tenant, people.patient.id, { total: 25000 });
    const payments = app.get(PaymentsService);
    const db = app.get(TenantDatabase);
    const start = await checkout(app, tenant, c);
    const patient = new WebClient(app, tenant.host);
    await signInPatient(patient, people.patient);
    const page = new URL(start.redirectUrl).pathname;
    await patient.get(page);
    expect((await patient.post(`${page}/authorize`)).status).toBe(303);
    expect(await now('consilium_payments_total', authorized)).toBe(wasAuthorized + 1);
    await db.forTenant(tenant.id, (tx) => payments.release(tx, c.id, 'declined'));
    expect(await now('consilium_payments_total', released)).toBe(wasReleased + 1);
  });
});
