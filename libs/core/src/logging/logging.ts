import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import type { Params } from 'nestjs-pino';
import type { ConsiliumStore } from '../context/request-context';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** A caller's X-Request-Id when it is well-formed (a proxy's), else a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/** Tenant and actor ids on every log line, read from the request context. Ids only: never names or PHI. */
export function contextFields(): Record<string, string> {
  const cls = ClsServiceManager.getClsService<ConsiliumStore>();
  if (!cls.isActive()) return {};
  const fields: Record<string, string> = {};
  const tenant = cls.get('tenant');
  const actor = cls.get('actor');
  if (tenant) fields.tenantId = tenant.id;
  if (actor) fields.actorId = actor.id;
  return fields;
}

/**
 * The application logger (nestjs-pino). Requests are not logged here: the access log (AccessLog, written by
 * RequestObserver in front of the framework) writes one line for every request, including those the framework never
 * sees (health probes, page-cache hits). Inside a request every line carries its `reqId`, and the tenant and actor
 * ids from the request context.
 */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: (req) => {
        const id = (req as { id?: unknown }).id;
        return typeof id === 'string' ? id : requestIdFor(req);
      },
      autoLogging: false,
      // Binds only `reqId` to the request's logger, not the whole request.
      quietReqLogger: true,
      mixin: contextFields,
      // Should anything log a request or response object, credentials never reach the log, nor does a query string.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.headers["x-api-key"]'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: String(req.url).split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
    // Every route. nestjs-pino's default pattern, `{/*splat}`, reaches the Fastify adapter as `/{/*splat}` (Nest adds
    // a leading slash), which matches `/` alone: that is why only the home page ever wrote a request line.
    forRoutes: [{ path: '*', method: RequestMethod.ALL }],
  };
}
