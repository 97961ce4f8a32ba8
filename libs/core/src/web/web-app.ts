import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { PageCache } from './page-cache';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import path from 'node:path';
import { AppConfig } from '../config/config';
import { requestIdFor } from '../logging/logging';
import { instrumentHttp } from '../metrics/http-metrics';

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
  // The page cache answers before Fastify sees the request (its instance comes from the app, once it exists).
  // eslint-disable-next-line prefer-const -- set once the app exists; the server factory, built before it, reads it
  let pageCache: PageCache | undefined;
  const adapter = new FastifyAdapter({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      createServer((req, res) => {
        if (!pageCache?.serve(req, res)) handler(req, res);
      }),
    // The first `proxyHops` hops (ours) are trusted, as clientIp reads them: request.ip and the audit rows agree.
    trustProxy: config.proxyHops ? (_address: string, hop: number) => hop < config.proxyHops : false,
    genReqId: requestIdFor,
    bodyLimit: 1024 * 1024,
    // Keep-alive connections are closed promptly on shutdown, in-flight requests still finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
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
  instrumentHttp(app);
  // Misses are marked on the way in and kept on the way out (PageCache decides what may be kept).
  // PostgreSQL text cannot hold U+0000: a NUL anywhere in a form, a JSON body or the query is refused here, as bad
  // input with a plain message, instead of failing later as a database error.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!containsNul(request.query) && !containsNul(request.body)) return done();
    void reply
      .status(400)
      .header('cache-control', 'no-store')
      .header('content-type', 'application/json; charset=utf-8')
      .send({
        error: {
          status: 400,
          code: 'invalid_input',
          message: 'A field contains a character that is not allowed (NUL). Remove it and send the form again.',
        },
      });
  });
  const cache = app.get(PageCache, { strict: false });
  pageCache = cache;
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
