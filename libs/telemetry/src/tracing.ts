import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { routeOf, tenantOf } from './request-facts';

/** What `startTracing` started: flush and stop it before the process exits, or the last spans are lost. */
interface Tracing {
  shutdown(): Promise<void>;
}

let running: Tracing | undefined;

/** Probes and scrapes arrive every few seconds from every replica: traces of them would drown the real requests. */
const UNTRACED_PATH = /^\/(?:health\/(?:live|ready)|metrics)(?:[/?]|$)/;

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, and does nothing (loads nothing) otherwise.
 * Spans: each HTTP request served (named by its route pattern), each PostgreSQL query inside one, each outgoing HTTP
 * call (Stripe, SES, S3, SNS certificates), and each job attempt (see job-trace.ts). Exported over OTLP/HTTP, as JSON
 * unless OTEL_EXPORTER_OTLP_PROTOCOL (or ..._TRACES_PROTOCOL) asks for http/protobuf or grpc; every other standard
 * OTEL_* variable (headers, sampler, batch delay, resource attributes) is honoured by the SDK itself.
 *
 * It must run before `pg` and `http` are loaded by anyone else: each app's `tracing.ts` calls it and is the first
 * import of its `main.ts`. For the same reason it reads process.env directly instead of the validated configuration
 * (which loads later and refuses a malformed endpoint with the variable's name; here a malformed one starts nothing).
 *
 * Nothing a person typed leaves in a span: query strings are dropped from URLs, PostgreSQL statements are sent as
 * written (with $1 placeholders, never their values), and no header or body is recorded.
 */
export function startTracing(processName: 'platform' | 'worker' | 'cli', env: NodeJS.ProcessEnv = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (running || !endpoint || !isHttpUrl(endpoint) || env.OTEL_SDK_DISABLED === 'true') return false;
  // Loaded here, not at the top: a process without an endpoint never loads the SDK or patches a module.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const protocolChosen = env.OTEL_EXPORTER_OTLP_PROTOCOL || env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : `consilium-${processName}`,
    // OTLP/HTTP with JSON bodies unless a protocol is asked for; then the SDK picks the exporter from the environment.
    ...(protocolChosen ? {} : { traceExporter: new OTLPTraceExporter() }),
    // Traces only: metrics are Prometheus's (/metrics), logs are JSON on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATH.test(req.url ?? '/'),
        startIncomingSpanHook: (req) => (req.url?.includes('?') ? { 'url.query': '[dropped]' } : {}),
        startOutgoingSpanHook: (options) => ({ 'url.full': outgoingUrl(options) }),
        // The server span takes the route pattern for its name (`GET /console/cases/:id`), as the metrics do.
        applyCustomAttributesOnSpan: (span, request: ClientRequest | IncomingMessage) => {
          const incoming = request as IncomingMessage;
          const route = routeOf(incoming);
          if (!route) return;
          span.setAttribute('http.route', route);
          span.updateName(`${incoming.method ?? 'GET'} ${route}`);
          const tenantId = tenantOf(incoming);
          if (tenantId) span.setAttribute('consilium.tenant_id', tenantId);
        },
      }),
      // A query outside any request or job (the job runner's polling, pool housekeeping) starts no trace of its own.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new UndiciInstrumentation({
        requireParentforSpans: true,
        startSpanHook: (request) => ({ 'url.full': `${request.origin}${request.path.split('?')[0]}` }),
      }),
    ],
  });
  sdk.start();
  running = sdk;
  return true;
}

/** Sends the spans still buffered and stops tracing; a no-op when it was never started. */
export async function stopTracing(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown().catch(() => undefined);
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** An outgoing call's URL without its query string (a presigned URL's signature, a provider's filters). */
function outgoingUrl(options: RequestOptions): string {
  const protocol = options.protocol ?? 'http:';
  const host = options.hostname ?? options.host ?? 'localhost';
  const port = options.port ? `:${options.port}` : '';
  return `${protocol}//${host}${port}${(options.path ?? '/').split('?')[0]}`;
}
