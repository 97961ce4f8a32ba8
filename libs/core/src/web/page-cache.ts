import { Injectable, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { requestFacts } from '@consilium/telemetry';
import { AppConfig } from '../config/config';
import { RequestContext } from '../context/request-context';
import { LANG_COOKIE_PATTERN } from '../i18n/locales';
import { UNMATCHED_ROUTE } from '../metrics/http-metrics';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** The public pages of a hospital site: the same for every visitor who is not signed in. */
const CACHEABLE_PATH = /^\/(?:|specialties(?:\/[a-z0-9-]+)?|physicians(?:\/[a-z0-9-]+)?|pricing|how-it-works|faq|contact|privacy|terms)$/;
const SESSION_COOKIE = /(?:^|;\s*)consilium_session=/;
const VISITOR_COOKIE = /(?:^|;\s*)cs_vid=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:;|$)/i;
const LANG_COOKIE = LANG_COOKIE_PATTERN;
const NOT_REPLAYED = new Set(['set-cookie', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id']);
const MAX_ENTRIES = 5000;
/** Below this, compressing saves less than the headers it adds. */
const MIN_COMPRESSED_BYTES = 1024;
const FORM_TOKEN = 'name="_csrf"';
/** Hospitals whose last change is remembered one by one; past this, a change of any of them counts for all. */
const MAX_TRACKED_TENANTS = 20000;

export type ContentEncoding = 'br' | 'gzip' | 'identity';

interface Variant {
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface Entry {
  tenantId: string;
  /** The route pattern that rendered it, for the access log and the request metrics of each hit. */
  route: string;
  variants: Record<ContentEncoding, Variant>;
  expires: number;
}

/**
 * Brotli when the client takes it, else gzip, else none; `q=0` refuses. A plain parse of Accept-Encoding: the only
 * codings we make are these two.
 */
export function preferredEncoding(acceptEncoding: string | string[] | undefined): ContentEncoding {
  const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  if (!header) return 'identity';
  // Browsers send a handful of distinct headers: each is parsed once.
  const known = negotiated.get(header);
  if (known) return known;
  const encoding = negotiate(header);
  if (negotiated.size >= 64) negotiated.clear();
  negotiated.set(header, encoding);
  return encoding;
}

const negotiated = new Map<string, ContentEncoding>();

function negotiate(header: string): ContentEncoding {
  let br = false;
  let gz = false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    const accepted = !q || Number(q[1]) > 0;
    if (coding === 'br') br = accepted;
    else if (coding === 'gzip' || coding === 'x-gzip') gz = accepted;
    else if (coding === '*') {
      br ||= accepted;
      gz ||= accepted;
    }
  }
  return br ? 'br' : gz ? 'gzip' : 'identity';
}

const compressors: Record<Exclude<ContentEncoding, 'identity'>, (body: Buffer) => Promise<Buffer>> = {
  // Quality 5: most of brotli's gain for a fraction of its top setting's time; it runs on every miss.
  br: (body) =>
    new Promise((resolve, reject) =>
      brotliCompress(
        body,
        {
          params: {
            [zlib.BROTLI_PARAM_QUALITY]: 5,
            [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
            [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    ),
  gzip: (body) => new Promise((resolve, reject) => gzip(body, { level: 6 }, (error, out) => (error ? reject(error) : resolve(out)))),
};

/** A request whose answer may be kept, and the count of changes heard when it arrived. */
type KeyedRequest = FastifyRequest & { pageCacheKey?: string; pageCacheSeq?: number };

/**
 * A micro-cache of whole public pages for visitors who are not signed in, in front of the framework: a page served
 * from here costs a map lookup. Only what is the same for every such visitor is kept: a 200 HTML response that set
 * no cookie and carries no form token, for a returning visitor arriving from inside the site (a campaign landing or
 * a first visit goes through, so attribution records it). Entries live PAGE_CACHE_SECONDS and a hospital's are
 * dropped on any change of its tenant row, domains or content (the tenancy lib calls `clear(tenantId)` on every
 * NOTIFY and on its own edits, and turns the cache off while it cannot hear them). One hospital's edit leaves the
 * others' pages alone.
 */
@Injectable()
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private live: () => boolean = () => false;
  /**
   * Counts every clear. A request notes it on arrival; its page is kept only if neither its hospital nor everything
   * was cleared since (`clearedAt` > the request's count): a page rendered before a change is not kept after it.
   */
  private seq = 0;
  private allClearedAt = 0;
  private readonly clearedAt = new Map<string, number>();
  /** Hits are in the request metrics too (the request observer sees them); this counts them apart. */
  private countHit: () => void = () => undefined;

  constructor(
    config: AppConfig,
    private readonly context: RequestContext,
    @Optional() metrics?: MetricsRegistry,
  ) {
    this.ttlMs = (config.raw.PAGE_CACHE_SECONDS ?? 30) * 1000;
    if (metrics) {
      const hits = metrics.counter({
        name: 'consilium_page_cache_hits_total',
        help: 'Public pages answered from the page cache, before the framework (also counted in the HTTP request metrics)',
      });
      this.countHit = () => hits.inc();
      const entries = this.entries;
      metrics.gauge({
        name: 'consilium_page_cache_entries',
        help: 'Pages (all codings of one) held in the page cache now',
        collect() {
          this.set(entries.size);
        },
      });
    }
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.live();
  }

  /** Drops a hospital's pages, or with no id every page (the change feed was lost, or cannot say whose). */
  clear(tenantId?: string): void {
    this.seq += 1;
    if (tenantId && this.clearedAt.size < MAX_TRACKED_TENANTS) {
      this.clearedAt.set(tenantId, this.seq);
      for (const [key, entry] of this.entries) if (entry.tenantId === tenantId) this.entries.delete(key);
      return;
    }
    this.allClearedAt = this.seq;
    this.clearedAt.clear();
    this.entries.clear();
  }

  /**
   * Tells the cache whether changes can be heard right now (the LISTEN connection is up). Until something says so,
   * and whenever it says not, nothing is served from or kept in the cache.
   */
  hearChangesWhile(live: () => boolean): void {
    this.live = () => {
      const up = live();
      if (!up && this.entries.size) this.clear();
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
    this.countHit();
    Object.assign(requestFacts(req), { route: entry.route, tenantId: entry.tenantId, cacheHit: true });
    const variant = entry.variants[preferredEncoding(req.headers['accept-encoding'])];
    res.writeHead(200, variant.headers);
    res.end(variant.body);
    return true;
  }

  /** Fastify onRequest: marks a request whose answer may be kept. */
  onRequest = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const key = this.enabled ? this.keyFor(request.raw) : undefined;
    if (key) Object.assign(request as KeyedRequest, { pageCacheKey: key, pageCacheSeq: this.seq });
    done();
  };

  /**
   * Fastify onSend: compresses the HTML a visitor who is not signed in gets, when it carries no form token, and keeps
   * it (every coding) when it is the same for every visitor this key stands for. Only such pages are compressed:
   * compressing a secret (a session's page, a form token) beside text an attacker can put in the same page leaks
   * the secret through the compressed length (BREACH).
   */
  onSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void => {
    const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : undefined;
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    const cookie = String(request.headers.cookie ?? '');
    if (
      !body ||
      !html ||
      body.length < MIN_COMPRESSED_BYTES ||
      SESSION_COOKIE.test(cookie) ||
      body.includes(FORM_TOKEN) ||
      reply.hasHeader('content-encoding')
    ) {
      return done(null, payload);
    }
    reply.header('vary', varyWith(reply.getHeader('vary'), 'Accept-Encoding'));
    const wanted = preferredEncoding(request.headers['accept-encoding']);
    const { pageCacheKey: key, pageCacheSeq: seq } = request as KeyedRequest;
    const tenantId = this.context.tenantOrNull()?.id;
    const keep = key && tenantId && this.enabled && reply.statusCode === 200 && !reply.hasHeader('set-cookie');
    if (!keep && wanted === 'identity') return done(null, body);
    const encodings = keep ? (['br', 'gzip'] as const) : [wanted as Exclude<ContentEncoding, 'identity'>];
    Promise.all(encodings.map((e) => compressors[e](body))).then(
      (compressed) => {
        const bodies = { identity: body, ...Object.fromEntries(encodings.map((e, i) => [e, compressed[i]])) } as Partial<
          Record<ContentEncoding, Buffer>
        >;
        // Not if the content changed while this page was rendered or compressed: it may show the old content.
        if (keep && this.enabled && !this.changedSince(tenantId, seq!))
          this.keep(key, tenantId, request.routeOptions.url ?? UNMATCHED_ROUTE, reply, bodies as Record<ContentEncoding, Buffer>);
        if (wanted !== 'identity') {
          reply.header('content-encoding', wanted);
          reply.removeHeader('content-length');
        }
        done(null, bodies[wanted]);
      },
      // A coding that fails sends the page as it is: compression is an optimisation, never a reason to fail a page.
      () => done(null, body),
    );
  };

  private changedSince(tenantId: string, seq: number): boolean {
    return this.allClearedAt > seq || (this.clearedAt.get(tenantId) ?? 0) > seq;
  }

  private keep(key: string, tenantId: string, route: string, reply: FastifyReply, bodies: Record<ContentEncoding, Buffer>): void {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && !NOT_REPLAYED.has(name.toLowerCase()))
        headers[name] = Array.isArray(value) ? value.map(String) : String(value);
    }
    headers['x-page-cache'] = 'hit';
    // Built once: a hit writes these as they are.
    const variant = (encoding: ContentEncoding): Variant => ({
      body: bodies[encoding],
      headers: {
        ...headers,
        ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
        'content-length': String(bodies[encoding].length),
      },
    });
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, {
      tenantId,
      route,
      variants: { identity: variant('identity'), gzip: variant('gzip'), br: variant('br') },
      expires: Date.now() + this.ttlMs,
    });
  }

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
    if (referer && refererHost(referer) !== host) return undefined;
    return `${host}\n${url}\n${LANG_COOKIE.exec(cookie)?.[1] ?? ''}\n${request.headers['accept-language'] ?? ''}`;
  }
}

/** A Vary header with `field` added once. */
function varyWith(current: string | number | string[] | undefined, field: string): string {
  const fields = String(current ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*') ? fields.join(', ') : [...fields, field].join(', ');
}

/**
 * The host of a Referer, lower-cased, when it is a plain `scheme://host[:port]/...`; undefined for anything else
 * (user info, a default port written out, odd characters), which then counts as another site and reaches the
 * application. Cheaper than a URL parse on every hit, and never says "same site" where the URL parser would not.
 */
export function refererHost(referer: string): string | undefined {
  const start = referer.indexOf('://');
  if (start < 0) return undefined;
  let end = referer.length;
  for (const stop of ['/', '?', '#']) {
    const at = referer.indexOf(stop, start + 3);
    if (at >= 0 && at < end) end = at;
  }
  const authority = referer.slice(start + 3, end).toLowerCase();
  return /^[a-z0-9.-]+(?::(?!80$|443$)[0-9]{1,5})?$/.test(authority) ? authority : undefined;
}
