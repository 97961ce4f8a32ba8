import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isPublicAddress } from '@consilium/core';
import { isIP } from 'node:net';

/** Raised when the address resolves (or is written) to this machine or a private network, and that is not allowed. */
export class PrivateAddressRefused extends Error {
  constructor() {
    super('private address refused');
  }
}

/** How names become addresses: the system's resolver, or (in tests) a fixed answer. */
export type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  resolve?: Resolve;
}

const MAX_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/** Not the public internet (core's one list of ranges), or not an address at all. */
export function isPrivateAddress(address: string): boolean {
  return !isPublicAddress(address);
}

/**
 * GETs an admin-given http(s) URL as text, at most 5 MiB, 3 redirects and `timeoutMs`. Unless `allowPrivate`, every
 * address is checked where the connection is made (in the socket's DNS lookup, and for each redirect), so neither a
 * name that resolves to 127.0.0.1 nor one that changes its answer between a check and the request reaches this
 * machine or its network.
 */
export async function fetchText(url: string, options: FetchOptions): Promise<string> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const lookup = options.allowPrivate ? undefined : guardedLookup(options.resolve ?? dnsLookup);
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = await get(current, lookup, deadline);
    if (answer.location === undefined) return answer.body;
    current = new URL(answer.location, current);
  }
  throw new Error('too many redirects');
}

/** What openid-client hands a custom fetch (its `customFetch` options): always `redirect: 'manual'`. */
export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * A fetch for openid-client (discovery, token and key requests to an admin-given issuer) whose every connection passes
 * the address check of fetchText: a literal private address or a name resolving to one is refused before any byte
 * is sent. Redirects are answered as they are (openid-client asks for `manual`), bodies capped at 5 MiB.
 */
export function guardedFetch(
  resolve: Resolve = dnsLookup,
  refuse: (address: string) => boolean = isPrivateAddress,
): (url: string, request: OutboundRequest) => Promise<Response> {
  const lookup = guardedLookup(resolve, refuse);
  return (url, request) => {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error('not http'));
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) ? refuse(literal) : refuse('127.0.0.1') && (literal === 'localhost' || literal.endsWith('.localhost')))
      return Promise.reject(new PrivateAddressRefused());
    const client = target.protocol === 'https:' ? https : http;
    const body = request.body === undefined || request.body === null ? undefined : bodyBytes(request.body);
    return new Promise<Response>((resolveResponse, reject) => {
      const outgoing = client.request(
        target,
        { method: request.method, headers: request.headers, signal: request.signal, lookup },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BYTES) outgoing.destroy(new Error('too large'));
            else chunks.push(chunk);
          });
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers))
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            const status = response.statusCode ?? 502;
            const empty = status === 204 || status === 304 || request.method === 'HEAD';
            resolveResponse(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}

function bodyBytes(body: unknown): Buffer {
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new Error('unsupported request body');
}

type Lookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Resolves every address of the name and refuses them all if any is private (a name may answer with several). */
function guardedLookup(resolve: Resolve, refuse: (address: string) => boolean = isPrivateAddress): Lookup {
  return (hostname, options, callback) =>
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!addresses.length || addresses.some((a) => refuse(a.address))) return callback(new PrivateAddressRefused(), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
}

function get(url: URL, lookup: Lookup | undefined, signal: AbortSignal): Promise<{ body: string; location?: string }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error('not http'));
  // A literal address never goes through the lookup, so it is checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (lookup && (isIP(literal) ? isPrivateAddress(literal) : literal === 'localhost' || literal.endsWith('.localhost')))
    return Promise.reject(new PrivateAddressRefused());
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { signal, ...(lookup ? { lookup } : {}) }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        return resolve({ body: '', location: response.headers.location });
      }
      if (status !== 200) {
        response.resume();
        return reject(new Error(`status ${status}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BYTES) request.destroy(new Error('too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
