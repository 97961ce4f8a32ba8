import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MetricsRegistry } from './metrics-registry';

/** Requests that matched no route share one label value: a raw URL would be unbounded and may carry ids. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Request count and latency per route, as Fastify hooks so they see every response: 404s, guard refusals, errors and
 * static files too, which a Nest interceptor would miss. Must run before `app.init()` registers the routes.
 *
 * The route label is the route's pattern (`/console/cases/:id`), never the request's URL: URLs carry case and account
 * ids and query strings, and metrics leave the PHI boundary.
 */
export function instrumentHttp(app: NestFastifyApplication): void {
  const metrics = app.get(MetricsRegistry, { strict: false });
  const duration = metrics.histogram({
    name: 'consilium_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status: latency, and with _count the request rate',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const inFlight = metrics.gauge({
    name: 'consilium_http_requests_in_flight',
    help: 'HTTP requests being served now (watch it reach 0 while an instance drains)',
  });
  // A request is counted out once, whether its response finished or its client went away first.
  const counted = new WeakSet<object>();
  const countOut = (request: object) => {
    if (counted.delete(request)) inFlight.dec();
  };
  const fastify = app.getHttpAdapter().getInstance();
  // Callback-style hooks: nothing here waits on anything.
  fastify.addHook('onRequest', (request, _reply, done) => {
    counted.add(request);
    inFlight.inc();
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    countOut(request);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    countOut(request);
    duration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
