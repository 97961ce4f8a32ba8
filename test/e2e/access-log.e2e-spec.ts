import { TenantDirectory } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { eventually } from '../support/eventually';
import { RunningProcess, startProcess } from '../support/processes';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

interface Sent {
  status: number;
  body: string;
}

interface AccessLine {
  level: number;
  msg: string;
  reqId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  bytes: number;
  host?: string;
  tenantId?: string;
  cache?: string;
}

/** Things that must never reach a log line, planted in query strings, cookies, headers and bodies below. */
const SECRET = {
  query: `qs${randomBytes(8).toString('hex')}`,
  email: `jane.${randomBytes(4).toString('hex')}@example.org`,
  cookie: `ck${randomBytes(8).toString('hex')}`,
  bearer: `tk${randomBytes(8).toString('hex')}`,
  body: `bd${randomBytes(8).toString('hex')}`,
};

/** Every field an access-log line may have: nothing else ever reaches it. */
const ACCESS_FIELDS = [
  'level',
  'time',
  'pid',
  'hostname',
  'reqId',
  'method',
  'route',
  'status',
  'ms',
  'bytes',
  'host',
  'tenantId',
  'actorId',
  'cache',
  'aborted',
  'msg',
];

/**
 * The access log of a running platform (a real process from dist/, its stdout captured): one JSON line per request,
 * for every route, status and host, including what never reaches the framework (health probes, page-cache hits).
 */
describe('access log', () => {
  const metricsToken = randomBytes(32).toString('hex');
  let app: NestFastifyApplication;
  let platform: RunningProcess;
  let a: TestTenant;
  let suspended: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    // Requests here are anonymous (nobody signs in), so tenants without people are enough.
    a = await createTestTenant(app);
    suspended = await createTestTenant(app);
    platform = await startProcess(
      'platform',
      {
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        DATABASE_OPERATOR_URL: process.env.TEST_DATABASE_OPERATOR_URL!,
        LOG_LEVEL: 'info',
        METRICS_TOKEN: metricsToken,
        STRIPE_SECRET_KEY: 'sk_test_accesslog',
        STRIPE_WEBHOOK_SECRET: 'whsec_accesslog',
      },
      { keepAllOutput: true },
    );
  }, 120000);

  afterAll(async () => {
    await platform?.stop();
    await app?.close();
  });

  /** One request with its own X-Request-Id, so its line can be found. */
  function send(
    method: string,
    path: string,
    host: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Sent & { reqId: string }> {
    const reqId = `test-${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: platform.port,
          method,
          path,
          agent: false,
          headers: { host, 'x-request-id': reqId, ...options.headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reqId }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  const lines = (): AccessLine[] =>
    platform.output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AccessLine)
      .filter((l) => l.msg === 'request');

  it('writes one line per request for every route, status and host, with ids, the route pattern, status, time and bytes', async () => {
    const visitor = `cs_vid=${randomUUID()}`;
    await app.get(TenantDirectory).setStatus(suspended.slug, 'suspended');
    // The running platform hears of the suspension through PostgreSQL NOTIFY.
    await eventually(async () => expect((await send('GET', '/', suspended.host)).status).toBe(503), 10000, 100);

    const cases: {
      what: string;
      method: string;
      path: string;
      host: string;
      status: number;
      route: string;
      tenant?: TestTenant;
      headers?: Record<string, string>;
      body?: string;
      cache?: boolean;
    }[] = [
      { what: 'home page', method: 'GET', path: '/', host: a.host, status: 200, route: '/', tenant: a },
      {
        what: 'a page with a query string',
        method: 'GET',
        path: `/pricing?utm_source=x&ref=${SECRET.query}`,
        host: a.host,
        status: 200,
        route: '/pricing',
        tenant: a,
      },
      {
        what: 'a specialty',
        method: 'GET',
        path: `/specialties/${a.specialtySlug}`,
        host: a.host,
        status: 200,
        route: '/specialties/:slug',
        tenant: a,
      },
      {
        what: 'a page filling the page cache',
        method: 'GET',
        path: '/faq',
        host: a.host,
        status: 200,
        route: '/faq',
        tenant: a,
        headers: { cookie: visitor },
      },
      {
        what: 'a page-cache hit',
        method: 'GET',
        path: '/faq',
        host: a.host,
        status: 200,
        route: '/faq',
        tenant: a,
        headers: { cookie: visitor },
        cache: true,
      },
      { what: 'HEAD', method: 'HEAD', path: '/how-it-works', host: a.host, status: 200, route: '/how-it-works', tenant: a },
      { what: 'robots.txt', method: 'GET', path: '/robots.txt', host: a.host, status: 200, route: '/robots.txt', tenant: a },
      {
        what: 'a 404 on a hospital',
        method: 'GET',
        path: `/no-such-page/${SECRET.query}`,
        host: a.host,
        status: 404,
        route: 'unmatched',
        tenant: a,
      },
      { what: 'an unknown host', method: 'GET', path: '/', host: 'nobody.example.net', status: 404, route: '/' },
      {
        what: 'a suspended hospital',
        method: 'GET',
        path: '/pricing',
        host: suspended.host,
        status: 503,
        route: '/pricing',
        tenant: suspended,
      },
      {
        what: 'the console, signed out: redirect',
        method: 'GET',
        path: '/console/cases',
        host: a.host,
        status: 303,
        route: '/console/cases',
        tenant: a,
      },
      {
        what: 'the console sign-in page',
        method: 'GET',
        path: `/console/sign-in?email=${SECRET.email}`,
        host: a.host,
        status: 200,
        route: '/console/sign-in',
        tenant: a,
        headers: { cookie: `consilium_session=${SECRET.cookie}` },
      },
      {
        what: 'a form without its token',
        method: 'POST',
        path: '/console/sign-in',
        host: a.host,
        status: 403,
        route: '/console/sign-in',
        tenant: a,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=${SECRET.email}&password=${SECRET.body}`,
      },
      {
        what: 'the API without a key',
        method: 'GET',
        path: '/api/v1/whoami',
        host: a.host,
        status: 401,
        route: '/api/v1/whoami',
        tenant: a,
        headers: { authorization: `Bearer ${SECRET.bearer}` },
      },
      {
        what: 'malformed JSON',
        method: 'POST',
        path: '/webhooks/ses',
        host: a.host,
        status: 400,
        route: '/webhooks/ses',
        // A webhook has no request tenant whatever host the provider calls: its work's tenant is in the signed payload.
        headers: { 'content-type': 'application/json' },
        body: `{"x": "${SECRET.body}"`,
      },
      {
        what: 'a webhook with a bad signature',
        method: 'POST',
        path: '/webhooks/stripe',
        host: a.host,
        status: 400,
        route: '/webhooks/stripe',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
        body: `{"id":"evt_${SECRET.body}"}`,
      },
      { what: 'a static file', method: 'GET', path: '/static/site.css', host: a.host, status: 200, route: '/static/*', tenant: a },
      {
        what: 'a missing static file',
        method: 'GET',
        path: '/static/nothing-here.css',
        host: a.host,
        status: 404,
        route: '/static/*',
        tenant: a,
      },
      { what: 'liveness on an IP', method: 'GET', path: '/health/live', host: '10.1.2.3:3000', status: 200, route: '/health/live' },
      { what: 'readiness', method: 'GET', path: '/health/ready', host: 'localhost', status: 200, route: '/health/ready' },
      { what: 'metrics without the token', method: 'GET', path: '/metrics', host: '10.1.2.3:3000', status: 401, route: '/metrics' },
      {
        what: 'metrics with the token',
        method: 'GET',
        path: '/metrics',
        host: '10.1.2.3:3000',
        status: 200,
        route: '/metrics',
        headers: { authorization: `Bearer ${metricsToken}` },
      },
      {
        what: 'the operator host',
        method: 'GET',
        path: '/operator/sign-in',
        host: 'admin.localhost',
        status: 200,
        route: '/operator/sign-in',
      },
    ];
    const sent: (Sent & { reqId: string })[] = [];
    for (const c of cases) sent.push(await send(c.method, c.path, c.host, { headers: c.headers, body: c.body }));
    expect(cases.map((c, i) => `${c.what}: ${sent[i].status}`)).toEqual(cases.map((c) => `${c.what}: ${c.status}`));

    // Lines are written when responses end; the last one may still be on its way to the pipe.
    const found = await eventually(() => {
      const all = lines();
      const mine = sent.map((s) => all.filter((l) => l.reqId === s.reqId));
      expect(mine.map((m) => m.length)).toEqual(sent.map(() => 1));
      return mine.map((m) => m[0]);
    });
    cases.forEach((c, i) => {
      const line = found[i];
      expect({ what: c.what, method: line.method, route: line.route, status: line.status, tenantId: line.tenantId }).toEqual({
        what: c.what,
        method: c.method,
        route: c.route,
        status: c.status,
        tenantId: c.tenant?.id,
      });
      expect(line.host).toBe(c.host.toLowerCase());
      expect(line.ms).toBeGreaterThanOrEqual(0);
      // Body bytes as sent: none for HEAD, and exactly what the client received otherwise.
      expect({ what: c.what, bytes: line.bytes }).toEqual({ what: c.what, bytes: Buffer.byteLength(sent[i].body) });
      expect(line.level).toBe(c.status >= 500 ? 50 : c.status >= 400 ? 40 : 30);
      expect(line.cache).toBe(c.cache ? 'hit' : undefined);
    });
    expect(new Set(cases.map((c) => `${c.route} ${c.status}`)).size).toBeGreaterThanOrEqual(20);

    // What the requests above carried in query strings, cookies, authorization headers and bodies is in no line.
    const text = platform.output.join('');
    for (const secret of [...Object.values(SECRET), metricsToken]) expect(text).not.toContain(secret);
    for (const line of lines()) {
      expect(line.route).not.toContain('?');
      for (const key of Object.keys(line)) expect(ACCESS_FIELDS).toContain(key);
    }
  });
});
