import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config/config';

/** The public pages of a hospital site: the same for every visitor who is not signed in. */
const CACHEABLE_PATH = /^\/(?:|specialties(?:\/[a-z0-9-]+)?|physicians(?:\/[a-z0-9-]+)?|pricing|how-it-works|faq|contact|privacy|terms)$/;
const SESSION_COOKIE = /(?:^|;\s*)consilium_session=/;
const VISITOR_COOKIE = /(?:^|;\s*)cs_vid=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:;|$)/i;
const LANG_COOKIE = /(?:^|;\s*)lang=([a-z]{2})/;
const NOT_REPLAYED = new Set(['set-cookie', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);
const MAX_ENTRIES = 5000;

interface Entry {
  headers: Record<string, string | string[]>;
  body: Buffer;
  expires: number;
}

type KeyedRequest = FastifyRequest & { pageCacheKey?: string };

/**
 * A micro-cache of whole public pages for visitors who are not signed in, in front of the framework: a page served
 * from here costs a map lookup. Only what is the same for every such visitor is kept: a 200 HTML response that set
 * no cookie and carries no form token, for a returning visitor arriving from inside the site (a campaign landing or
 * a first visit goes through, so attribution records it). Entries live PAGE_CACHE_SECONDS and are dropped on any
 * tenant or content change (the tenancy lib calls `clear` on every NOTIFY, and turns the cache off while it cannot
 * hear them).
 */
@Injectable()
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private live: () => boolean = () => false;
  hits = 0;

  constructor(config: AppConfig) {
    this.ttlMs = (config.raw.PAGE_CACHE_SECONDS ?? 30) * 1000;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.live();
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Tells the cache whether changes can be heard right now (the LISTEN connection is up). Until something says so,
   * and whenever it says not, nothing is served from or kept in the cache.
   */
  hearChangesWhile(live: () => boolean): void {
    this.live = () => {
      const up = live();
      if (!up && this.entries.size) this.entries.clear();
      return up;
    };
  }

  /**
   * In front of everything (the HTTP server's own request listener): answers from the cache and returns true, or
   * returns false and the request goes on to the application.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const key = this.enabled ? this.keyFor(req) : undefined;
    if (!key) return false;
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return false;
    }
    this.hits += 1;
    res.writeHead(200, entry.headers);
    res.end(entry.body);
    return true;
  }

  /** Fastify onRequest: marks a request whose answer may be kept. */
  onRequest = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const key = this.enabled ? this.keyFor(request.raw) : undefined;
    if (key) (request as KeyedRequest).pageCacheKey = key;
    done();
  };

  /** Fastify onSend: keeps a response that is the same for every visitor this key stands for. */
  onSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void => {
    const key = (request as KeyedRequest).pageCacheKey;
    if (key && this.enabled && reply.statusCode === 200 && !reply.hasHeader('set-cookie') && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : undefined;
      if (body && !body.includes('name="_csrf"')) {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (value !== undefined && !NOT_REPLAYED.has(name.toLowerCase())) headers[name] = Array.isArray(value) ? value.map(String) : String(value);
        }
        // Built once: a hit writes these as they are.
        headers['content-length'] = String(body.length);
        headers['x-page-cache'] = 'hit';
        if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, { headers, body, expires: Date.now() + this.ttlMs });
      }
    }
    done(null, payload);
  };

  /** The variant a request stands for, or undefined when it must reach the application. */
  private keyFor(request: IncomingMessage): string | undefined {
    if (request.method !== 'GET') return undefined;
    const url = request.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!CACHEABLE_PATH.test(path)) return undefined;
    const query = q < 0 ? '' : url.slice(q + 1);
    // Campaign tags and arrivals from other sites are landings attribution must record.
    if (/(?:^|&)utm_/i.test(query)) return undefined;
    const cookie = String(request.headers.cookie ?? '');
    if (SESSION_COOKIE.test(cookie) || !VISITOR_COOKIE.test(cookie)) return undefined;
    const host = String(request.headers.host ?? '').toLowerCase();
    const referer = request.headers.referer;
    if (referer) {
      try {
        if (new URL(referer).host.toLowerCase() !== host) return undefined;
      } catch {
        return undefined;
      }
    }
    return `${host}\n${url}\n${LANG_COOKIE.exec(cookie)?.[1] ?? ''}\n${request.headers['accept-language'] ?? ''}`;
  }
}
