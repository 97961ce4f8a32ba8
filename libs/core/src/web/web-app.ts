import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { PageCache } from './page-cache';
import { Logger } from 'nestjs-pino';
import { requestFacts } from '@consilium/telemetry';
import type { Server } from 'node:http';
import path from 'node:path';
import { AppConfig } from '../config/config';
import { BootLog, BootNestLogger } from '../logging/boot-log';
import { ErrorFormats } from '../errors/error-formats';
import { requestIdFor } from '../logging/logging';
import { UNMATCHED_ROUTE } from '../metrics/http-metrics';
import { answerHealth, HealthProbe } from './health';
import { RequestObserver } from './request-observer';

/** Content-Security-Policy for every page: no inline script or style, nothing from other origins. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

/** Builds the Fastify-based Nest app with the platform's web defaults. The caller decides when to listen. */
export async function createWebApp(module: Type<unknown> | DynamicModule, config: AppConfig): Promise<NestFastifyApplication> {
  // In front of Fastify, in this order: every request is observed (its id, access-log line and metrics), health probes
  // are answered whatever the Host and whether the database is up, then the page cache answers what it holds. Their
  // instances come from the app, once it exists; no request arrives before it listens.
  const front: { observer?: RequestObserver; health?: HealthProbe; pageCache?: PageCache } = {};
  const readiness = () => front.health!.readiness();
  const adapter = new FastifyAdapter({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer((req, res) => {
        if (front.observer && front.pageCache) {
          front.observer.observe(req, res);
          if (answerHealth(req, res, readiness) || front.pageCache.serve(req, res)) return;
        }
        handler(req, res);
      }),
    // The first `proxyHops` hops (ours) are trusted, as clientIp reads them: request.ip and the audit rows agree.
    trustProxy: config.proxyHops ? (_address: string, hop: number) => hop < config.proxyHops : false,
    // The id the observer gave the request, so Fastify, the request context and every log line share it.
    genReqId: (req: IncomingMessage) => idOf(req) ?? requestIdFor(req),
    bodyLimit: 1024 * 1024,
    // Keep-alive connections are closed promptly on shutdown, in-flight requests still finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Until pino takes over (below): warnings and errors only, JSON in production, and no stack for a known failure.
    logger: new BootNestLogger(new BootLog('platform')),
  });
  app.useLogger(app.get(Logger));
  // Signed webhooks (Stripe) are verified on the exact bytes received, so those bytes are kept for /webhooks/* only.
  // Parsing is Fastify's default JSON parser, with its prototype-poisoning checks, for every route as before.
  const fastify = adapter.getInstance();
  app.useBodyParser<Server>('application/json', { bodyLimit: 1024 * 1024 }, (request, body, done) => {
    if (request.url.startsWith('/webhooks/')) (request as { rawBody?: Buffer }).rawBody = body;
    // Fastify's default JSON parser is the callback kind (it answers through `done`, returns nothing); its type also
    // admits the promise kind, hence `void`.
    void fastify.getDefaultJsonParser('error', 'error')(request, body.toString('utf8'), done);
  });
  // A hospital's directory speaks SCIM 2.0 (RFC 7644), whose bodies are JSON under their own media type.
  app.useBodyParser<Server>('application/scim+json', { bodyLimit: 1024 * 1024 }, (request, body, done) => {
    void fastify.getDefaultJsonParser('error', 'error')(request, body.toString('utf8'), done);
  });
  // FHIR clients send their resources as application/fhir+json (FHIR R4 §3.1.0.1.4): the same JSON, the same parser.
  app.useBodyParser<Server>('application/fhir+json', { bodyLimit: 1024 * 1024 }, (request, body, done) => {
    void fastify.getDefaultJsonParser('error', 'error')(request, body.toString('utf8'), done);
  });
  // The route pattern that matched (or `unmatched`), for the access log, the request metrics and the trace.
  fastify.addHook('onRequest', (request, _reply, done) => {
    requestFacts(request.raw).route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    done();
  });
  // Misses are marked on the way in and kept on the way out (PageCache decides what may be kept).
  // PostgreSQL text cannot hold U+0000: a NUL anywhere in a form, a JSON body or the query is refused here, as bad
  // input with a plain message, instead of failing later as a database error.
  const errorFormats = app.get(ErrorFormats, { strict: false });
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!containsNul(request.query) && !containsNul(request.body)) return done();
    const error = {
      status: 400,
      code: 'invalid_input',
      message: 'A field contains a character that is not allowed (NUL). Remove it and send the form again.',
    };
    const path = request.url.split('?')[0];
    // Under /api the same refusal reads as the API's other errors (problem details).
    const shown = errorFormats.for(path)?.(error, { path, requestId: String(request.id) }) ?? {
      contentType: 'application/json; charset=utf-8',
      body: { error },
    };
    void reply.status(400).header('cache-control', 'no-store').header('content-type', shown.contentType).send(shown.body);
  });
  const cache = app.get(PageCache, { strict: false });
  Object.assign(front, {
    observer: app.get(RequestObserver, { strict: false }),
    health: app.get(HealthProbe, { strict: false }),
    pageCache: cache,
  });
  fastify.addHook('onRequest', cache.onRequest);
  fastify.addHook('onSend', cache.onSend);
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        ...CONTENT_SECURITY_POLICY,
        upgradeInsecureRequests: config.raw.PUBLIC_SCHEME === 'https' ? [] : null,
      },
    },
    // HSTS only makes sense (and is only honoured) over HTTPS.
    strictTransportSecurity: config.raw.PUBLIC_SCHEME === 'https' ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(__dirname, 'public'),
    prefix: '/static/',
    maxAge: '1h',
    decorateReply: false,
  });
  return app;
}

export type WebApp = INestApplication;

/** Whether a parsed query or body holds a NUL character in any string, key or value (nested at most 8 deep). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (!value || typeof value !== 'object' || depth > 8 || Buffer.isBuffer(value)) return false;
  for (const [key, inner] of Object.entries(value)) if (key.includes('\u0000') || containsNul(inner, depth + 1)) return true;
  return false;
}

function idOf(req: IncomingMessage): string | undefined {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
