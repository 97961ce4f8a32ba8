import { MetricsRegistry } from '@consilium/core';
import { AccountMail, IdentityModule, OperatorAccounts } from '@consilium/identity';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { freshCode, signInStaff } from '../support/staff-sign-in';
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

  it('counts the public pages answered from the page cache, which never reach the request metrics', async () => {
    const before = value((await scrape()).samples, 'consilium_page_cache_hits_total', {});
    const visitor = { Host: tenant.host, Cookie: `cs_vid=${randomUUID()}` };
    for (let i = 0; i < 3; i++) await request(app.getHttpServer()).get('/faq').set(visitor).expect(200);
    const { samples } = await scrape();
    // The first view fills the cache; the next two are hits.
    expect(value(samples, 'consilium_page_cache_hits_total', {})).toBe(before + 2);
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
