import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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

export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? requestIdFor(req),
      mixin: contextFields,
      // Headers that carry credentials never reach the log; query strings are dropped (they may carry tokens).
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.headers["x-api-key"]'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: String(req.url).split('?')[0],
          host: req.headers.host,
          userAgent: req.headers['user-agent'],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Probes and scrapes arrive every few seconds from every replica: logging them would drown the real requests.
      autoLogging: { ignore: (req) => /^\/(health|static|metrics)(\/|\?|$)/.test(req.url ?? '') },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
