import { Injectable } from '@nestjs/common';
import { requestFacts, tenantOf } from '@consilium/telemetry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config/config';
import { AccessLog, loggedHost } from '../logging/access-log';
import { requestIdFor } from '../logging/logging';
import { HttpMetrics, UNMATCHED_ROUTE } from '../metrics/http-metrics';

type Chunk = string | Uint8Array | undefined | null | (() => void);

/**
 * Sees every request the HTTP server receives, from its own request listener: before the health probes, the page
 * cache and the framework answer it. It gives the request its id (shared by Fastify, the request context and the
 * logs), and when the response ends writes its access-log line and its request metrics. What the framework learns on
 * the way (the route pattern, the tenant, the actor) reaches it through the request's facts.
 */
@Injectable()
export class RequestObserver {
  private readonly log: AccessLog;
  private readonly trustProxy: boolean;

  constructor(
    config: AppConfig,
    private readonly metrics: HttpMetrics,
  ) {
    this.log = new AccessLog(config.raw.LOG_LEVEL);
    this.trustProxy = config.proxyHops > 0;
  }

  observe(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const reqId = requestIdFor(req);
    // The raw request's id: Fastify's genReqId, the request context and pino-http read it from here.
    (req as { id?: unknown }).id = reqId;
    this.metrics.started();
    let bytes = 0;
    const count = (chunk: Chunk, encoding?: unknown) => {
      if (typeof chunk === 'string')
        bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      else if (chunk && typeof chunk !== 'function') bytes += chunk.byteLength;
    };
    // Body bytes, counted as they are handed over (a streamed file has no Content-Length to read afterwards).
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: Chunk, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    res.end = ((chunk?: Chunk, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as ServerResponse['end'];
    res.once('close', () => {
      const facts = requestFacts(req);
      const route = facts.route ?? UNMATCHED_ROUTE;
      const status = res.statusCode;
      const ms = performance.now() - started;
      this.metrics.finished(req.method, route, status, ms / 1000);
      const tenantId = tenantOf(req);
      const actorId = facts.context?.actor?.id;
      this.log.write({
        reqId,
        method: req.method ?? 'GET',
        route,
        status,
        ms: Math.round(ms * 100) / 100,
        // A HEAD answer, a 204 and a 304 carry no body, whatever was handed to end().
        bytes: req.method === 'HEAD' || status === 204 || status === 304 ? 0 : bytes,
        // The host the tenant was resolved from: behind a trusted proxy, the one the client asked for.
        host: loggedHost((this.trustProxy && req.headers['x-forwarded-host']) || req.headers.host),
        ...(tenantId ? { tenantId } : {}),
        ...(actorId ? { actorId } : {}),
        ...(facts.cacheHit ? { cache: 'hit' as const } : {}),
        ...(res.writableFinished ? {} : { aborted: true as const }),
      });
    });
  }
}
