import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { AppConfig } from '../config/config';
import { RequestContext } from '../context/request-context';
import { requestFacts } from '@consilium/telemetry';
import { PageCache, preferredEncoding, refererHost } from './page-cache';

describe('preferredEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['BR;Q=1.0', 'br'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['deflate', 'identity'],
    [['gzip', 'br'], 'br'],
  ])('%j → %s', (header, expected) => {
    expect(preferredEncoding(header)).toBe(expected);
  });
});

describe('PageCache', () => {
  const html = `<!doctype html><html><body>${'<p>A public page of the hospital.</p>'.repeat(60)}</body></html>`;
  const headers = { host: 'a.localhost', cookie: 'cs_vid=6f1d8c9e-1234-4abc-8def-0123456789ab', 'accept-encoding': 'gzip, br' };
  const hospitalA = 'aaaaaaaa-0000-4000-8000-000000000001';
  const hospitalB = 'bbbbbbbb-0000-4000-8000-000000000002';
  /** The hospital the request being sent belongs to, as the tenancy lib's middleware would have set it. */
  let current: string | undefined = hospitalA;
  const context = { tenantOrNull: () => (current ? { id: current, slug: 'a' } : null) } as unknown as RequestContext;
  const fakeRequest = () => {
    const raw = { method: 'GET', url: '/pricing', headers };
    return { raw, headers, routeOptions: { url: '/pricing' } } as unknown as FastifyRequest;
  };
  const fakeReply = () => {
    const set = new Map<string, unknown>([['content-type', 'text/html; charset=utf-8']]);
    return {
      statusCode: 200,
      getHeader: (n: string) => set.get(n),
      getHeaders: () => Object.fromEntries(set),
      hasHeader: (n: string) => set.has(n),
      header(n: string, v: unknown) {
        set.set(n, v);
        return this;
      },
      removeHeader: (n: string) => set.delete(n),
    } as unknown as FastifyReply;
  };
  const served = (cache: PageCache) => {
    const res = { writeHead: jest.fn(), end: jest.fn() };
    const req = { method: 'GET', url: '/pricing', headers } as unknown as IncomingMessage;
    return { hit: cache.serve(req, res as unknown as ServerResponse), res, req };
  };
  const send = (cache: PageCache, request: FastifyRequest, reply: FastifyReply) =>
    new Promise<unknown>((resolve, reject) =>
      cache.onSend(request, reply, html, (error, payload) => (error ? reject(error) : resolve(payload))),
    );

  function liveCache(): PageCache {
    current = hospitalA;
    const cache = new PageCache({ raw: { PAGE_CACHE_SECONDS: 30 } } as unknown as AppConfig, context);
    cache.hearChangesWhile(() => true);
    return cache;
  }

  async function filled(cache: PageCache): Promise<void> {
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    await send(cache, request, fakeReply());
  }

  it('keeps a page rendered before no change, and serves the coding asked for', async () => {
    const cache = liveCache();
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    const payload = await send(cache, request, fakeReply());
    expect(brotliDecompressSync(payload as Buffer).toString()).toBe(html);
    const { hit, res, req } = served(cache);
    expect(hit).toBe(true);
    // The access log and the request metrics name a hit by the route that rendered the page, and its hospital.
    expect(requestFacts(req)).toEqual({ route: '/pricing', tenantId: hospitalA, cacheHit: true });
    expect(res.writeHead.mock.calls[0][1]['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.end.mock.calls[0][0]).toString()).toBe(html);
  });

  it('does not keep a page whose content changed while it was rendered', async () => {
    const cache = liveCache();
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    cache.clear(hospitalA); // a NOTIFY'd change of this hospital arrives mid-render
    await send(cache, request, fakeReply());
    expect(served(cache).hit).toBe(false);
  });

  it('keeps a page when only another hospital changed while it was rendered, and drops only that hospital’s pages', async () => {
    const cache = liveCache();
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    cache.clear(hospitalB);
    await send(cache, request, fakeReply());
    expect(served(cache).hit).toBe(true);
    cache.clear(hospitalB);
    expect(served(cache).hit).toBe(true);
    cache.clear(hospitalA);
    expect(served(cache).hit).toBe(false);
  });

  it('drops every page when the change feed cannot say whose change it was', async () => {
    const cache = liveCache();
    await filled(cache);
    expect(served(cache).hit).toBe(true);
    cache.clear();
    expect(served(cache).hit).toBe(false);
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    cache.clear();
    await send(cache, request, fakeReply());
    expect(served(cache).hit).toBe(false);
  });

  it('keeps nothing for a request no hospital was resolved for', async () => {
    const cache = liveCache();
    current = undefined;
    await filled(cache);
    expect(served(cache).hit).toBe(false);
  });
});

describe('refererHost', () => {
  it.each([
    ['http://a.localhost/pricing', 'a.localhost'],
    ['https://A.Example.org:8443/x?y#z', 'a.example.org:8443'],
    ['http://a.localhost?x=1', 'a.localhost'],
    ['http://a.localhost', 'a.localhost'],
    ['http://a.localhost:80/', undefined],
    ['http://evil.example@a.localhost/', undefined],
    ['http://a.localhost\\evil/', undefined],
    ['javascript:alert(1)', undefined],
    ['not a url', undefined],
  ])('%s → %s', (referer, host) => {
    expect(refererHost(referer)).toBe(host);
  });
});
