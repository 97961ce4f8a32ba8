import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { builtEntry } from '../support/dist';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { httpGet, RunningProcess, startProcess } from '../support/processes';
import { SesStandIn } from '../support/ses-stand-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service name. */
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  service: string;
}

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: (Omit<Span, 'attributes' | 'service'> & { attributes?: { key: string; value: OtlpValue }[] })[];
    }[];
  }[];
}

const flat = (attributes: { key: string; value: OtlpValue }[] = []) =>
  Object.fromEntries(
    attributes.map(({ key, value }) => [key, value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue)]),
  );

/**
 * An OpenTelemetry collector's OTLP/HTTP receiver, as far as traces go: POST /v1/traces with JSON bodies (what the
 * exporter sends by default here). The collector is outside our walls; this speaks its wire format.
 */
class OtlpReceiver {
  readonly spans: Span[] = [];
  readonly paths: string[] = [];
  private server?: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
        const exported = JSON.parse(body) as OtlpExport;
        for (const rs of exported.resourceSpans ?? []) {
          const service = String(flat(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) this.spans.push({ ...s, attributes: flat(s.attributes), service });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  trace(traceId: string): Span[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /** Whether `span` descends from `ancestor` through parents in the same trace. */
  descends(span: Span, ancestor: Span): boolean {
    const byId = new Map(this.trace(span.traceId).map((s) => [s.spanId, s]));
    for (let at: Span | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
      if (at.parentSpanId === ancestor.spanId) return true;
    }
    return false;
  }
}

/**
 * Traces of a running platform and worker, exported over OTLP/HTTP to a local receiver: a request's server span with
 * its PostgreSQL queries beneath it; a job enqueued by a request continuing that request's trace in the worker, with
 * the worker's queries and its outgoing call to SES beneath it.
 */
describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  const receiver = new OtlpReceiver();
  const ses = new SesStandIn();
  const outbox = tempDir('tracing-outbox');
  const secret = `q${randomBytes(6).toString('hex')}`;
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let a: TestHospital;
  let platform: RunningProcess;
  let worker: RunningProcess;

  beforeAll(async () => {
    await Promise.all([receiver.start(), ses.start()]);
    db = await isolatedDatabase('tracing');
    app = await createTestApp(db.env);
    const suffix = randomUUID().slice(0, 8);
    a = await createTestHospital(app, {
      email: { from_name: 'Opinions', from_address: `opinions@t-${suffix}.example`, ses_configuration_set: `t-${suffix}` },
    });
    const env = {
      ...db.env,
      EMAIL_OUTBOX_DIR: outbox.dir,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Export within a tenth of a second rather than every five.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      EMAIL_TRANSPORT: 'ses',
      SES_REGION: 'us-east-1',
      SES_ENDPOINT: ses.url,
      // The SDK signs every request; these credentials are only ever shown to the stand-in.
      AWS_ACCESS_KEY_ID: 'AKIASTANDIN000000000',
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    [platform, worker] = await Promise.all([startProcess('platform', env), startProcess('worker', env)]);
  }, 120000);

  afterAll(async () => {
    await Promise.all([platform, worker].filter(Boolean).map((p) => p.stop()));
    await app?.close();
    await db?.drop();
    await Promise.all([receiver.stop(), ses.stop()]);
    outbox.remove();
  });

  it('exports a server span named by the route, with the PostgreSQL queries of the request beneath it', async () => {
    const res = await httpGet(platform.port, `/pricing?ref=${secret}`, a.host);
    expect(res.status).toBe(200);
    const { server, queries } = await eventually(() => {
      const server = receiver.spans.find((s) => s.kind === SERVER && s.name === 'GET /pricing');
      expect(server).toBeDefined();
      const queries = receiver.trace(server!.traceId).filter((s) => s.attributes['db.system.name'] === 'postgresql');
      expect(queries.length).toBeGreaterThan(0);
      return { server: server!, queries };
    });
    expect(receiver.paths[0]).toBe('POST /v1/traces application/json');
    expect(server.service).toBe('consilium-platform');
    expect(server.attributes['http.route']).toBe('/pricing');
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(server.attributes['consilium.tenant_id']).toBe(a.id);
    for (const q of queries) expect(receiver.descends(q, server)).toBe(true);
    // The tenant transaction's first statement: the hospital's id (validated, a UUID; never a visitor's input).
    expect(queries.map((q) => String(q.attributes['db.query.text']))).toContainEqual(
      expect.stringContaining(`SET LOCAL app.tenant_id = '${a.id}'`),
    );
    // Nothing a visitor typed leaves in a span; probes (the readiness polls at start) make no trace.
    expect(JSON.stringify(receiver.spans)).not.toContain(secret);
    expect(receiver.spans.filter((s) => /health|metrics/.test(s.name) || String(s.attributes['url.path']).startsWith('/health'))).toEqual(
      [],
    );
  });

  it('continues a request’s trace in the job it enqueued: the worker’s span, its queries and its call to SES', async () => {
    const patient = new WebClient(platform.url, a.host);
    const sent = await patient.submit('/forgot-password', { email: a.people.patient.email });
    expect(sent.status).toBeLessThan(400);
    const { request, job } = await eventually(
      () => {
        const request = receiver.spans.find((s) => s.kind === SERVER && s.name === 'POST /forgot-password');
        expect(request).toBeDefined();
        const job = receiver.trace(request!.traceId).find((s) => s.kind === CONSUMER && s.name === 'process send-email');
        expect(job).toBeDefined();
        return { request: request!, job: job! };
      },
      20000,
      100,
    );
    expect(job.service).toBe('consilium-worker');
    expect(receiver.descends(job, request)).toBe(true);
    expect(job.attributes).toMatchObject({
      'messaging.system': 'pg-boss',
      'messaging.destination.name': 'send-email',
      'consilium.tenant_id': a.id,
    });
    const beneath = await eventually(() => {
      const spans = receiver.trace(job.traceId).filter((s) => s.service === 'consilium-worker' && receiver.descends(s, job));
      expect(spans.some((s) => s.kind === CLIENT && String(s.attributes['url.full']).startsWith(ses.url))).toBe(true);
      expect(spans.some((s) => s.attributes['db.system.name'] === 'postgresql')).toBe(true);
      return spans;
    });
    expect(ses.callsTo(a.people.patient.email)).toHaveLength(1);
    // The address the email went to is in no span.
    expect(JSON.stringify(beneath)).not.toContain(a.people.patient.email);
  });

  it('loads nothing of the SDK and patches nothing without an endpoint (or with a malformed one)', () => {
    const preload = builtEntry('apps/platform/src/tracing.js');
    const loaded = (endpoint: string | undefined) => {
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(preload)});` +
            `const otel = Object.keys(require.cache).filter((k) => /@opentelemetry\\/(sdk-|instrumentation|exporter)/.test(k));` +
            `process.stdout.write(String(otel.length) + ' ' + String(require('http').get.__wrapped === true))`,
        ],
        { env: { PATH: process.env.PATH, ...(endpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }) }, encoding: 'utf8' },
      );
      expect(run.status).toBe(0);
      const [modules, patched] = run.stdout.split(' ');
      return { modules: Number(modules), patched: patched === 'true' };
    };
    expect(loaded(undefined)).toEqual({ modules: 0, patched: false });
    expect(loaded('not a url')).toEqual({ modules: 0, patched: false });
    const on = loaded(receiver.url);
    expect(on.modules).toBeGreaterThan(0);
    expect(on.patched).toBe(true);
  });
});
