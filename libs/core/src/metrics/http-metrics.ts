import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/** Requests that matched no route share one label value: a raw URL would be unbounded and may carry ids. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Request count and latency per route pattern, method and status, for every response the HTTP server sends: pages,
 * 404s, errors, static files, health probes and pages answered from the page cache alike (RequestObserver feeds it
 * from the server's own request listener, ahead of the framework).
 *
 * The route label is the route's pattern (`/console/cases/:id`), never the request's URL: URLs carry case and account
 * ids and query strings, and metrics leave the PHI boundary.
 */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly inFlight: Gauge;

  constructor(metrics: MetricsRegistry) {
    this.duration = metrics.histogram({
      name: 'consilium_http_request_duration_seconds',
      help: 'HTTP requests by route pattern, method and status: latency, and with _count the request rate',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.inFlight = metrics.gauge({
      name: 'consilium_http_requests_in_flight',
      help: 'HTTP requests being served now (watch it reach 0 while an instance drains)',
    });
  }

  started(): void {
    this.inFlight.inc();
  }

  finished(method: string | undefined, route: string, status: number, seconds: number): void {
    this.inFlight.dec();
    this.duration.observe({ method: METHODS.has(method ?? '') ? method! : 'other', route, status_code: String(status) }, seconds);
  }
}
