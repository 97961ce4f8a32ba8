import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { AppConfig } from '../config/config';
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
    expect(preferredEncoding(header as string | string[] | undefined)).toBe(expected);
  });
});

describe('PageCache', () => {
  const html = `<!doctype html><html><body>${'<p>A public page of the hospital.</p>'.repeat(60)}</body></html>`;
  const headers = { host: 'a.localhost', cookie: 'cs_vid=6f1d8c9e-1234-4abc-8def-0123456789ab', 'accept-encoding': 'gzip, br' };
  const fakeRequest = () => {
    const raw = { method: 'GET', url: '/pricing', headers };
    return { raw, headers } as unknown as FastifyRequest;
  };
  const fakeReply = () => {
    const set = new Map<string, unknown>([['content-type', 'text/html; charset=utf-8']]);
    return {
      statusCode: 200,
      getHeader: (n: string) => set.get(n),
      getHeaders: () => Object.fromEntries(set),
      hasHeader: (n: string) => set.has(n),
      header(n: string, v: unknown) { set.set(n, v); return this; },
      removeHeader: (n: string) => set.delete(n),
    } as unknown as FastifyReply;
  };
  const served = (cache: PageCache) => {
    const res = { writeHead: jest.fn(), end: jest.fn() };
    return { hit: cache.serve({ method: 'GET', url: '/pricing', headers } as unknown as IncomingMessage, res as unknown as ServerResponse), res };
  };
  const send = (cache: PageCache, request: FastifyRequest, reply: FastifyReply) =>
    new Promise<unknown>((resolve, reject) => cache.onSend(request, reply, html, (error, payload) => (error ? reject(error) : resolve(payload))));

  function liveCache(): PageCache {
    const cache = new PageCache({ raw: { PAGE_CACHE_SECONDS: 30 } } as unknown as AppConfig);
    cache.hearChangesWhile(() => true);
    return cache;
  }

  it('keeps a page rendered before no change, and serves the coding asked for', async () => {
    const cache = liveCache();
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    const payload = await send(cache, request, fakeReply());
    expect(brotliDecompressSync(payload as Buffer).toString()).toBe(html);
    const { hit, res } = served(cache);
    expect(hit).toBe(true);
    expect(res.writeHead.mock.calls[0][1]['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.end.mock.calls[0][0]).toString()).toBe(html);
  });

  it('does not keep a page whose content changed while it was rendered', async () => {
    const cache = liveCache();
    const request = fakeRequest();
    cache.onRequest(request, fakeReply(), () => undefined);
    cache.clear(); // a NOTIFY'd change arrives mid-render
    await send(cache, request, fakeReply());
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
