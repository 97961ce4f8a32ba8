import type { IncomingMessage } from 'node:http';
import { SUPPORTED_LOCALES } from './translator';

/** The raw request, after `stripLocalePrefix` has noted which language prefix the path carried. */
export interface LocalePrefixedRequest extends IncomingMessage {
  localePrefix?: string;
  /** The URL as the visitor wrote it (middie overwrites `originalUrl` with the rewritten one). */
  requestedUrl?: string;
}

/** The URL as the visitor wrote it, language prefix included. */
export function requestedUrl(req: IncomingMessage): string {
  return (req as LocalePrefixedRequest).requestedUrl ?? (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

/**
 * The page's path without language prefix or query: `/es/pricing?x` -> `/pricing`. Read from what the visitor
 * asked for, since middleware sees `req.url` relative to its mount point.
 */
export function pagePath(req: IncomingMessage): string {
  const url = requestedUrl(req).split('?')[0];
  const match = PREFIX.exec(url);
  return (match ? url.slice(match[0].length) : url) || '/';
}

const PREFIX = new RegExp(`^/(${SUPPORTED_LOCALES.join('|')})(?=/|\\?|$)`);

/**
 * Fastify's `rewriteUrl`: `/es/pricing?x=1` is routed as `/pricing?x=1` with `localePrefix = 'es'`, so every
 * controller serves all languages from one route. Whether the tenant offers that language is decided later, once
 * the tenant is known (an unknown prefix is a 404 there).
 */
export function stripLocalePrefix(req: IncomingMessage): string {
  const url = req.url ?? '/';
  (req as LocalePrefixedRequest).requestedUrl = url;
  const match = PREFIX.exec(url);
  if (!match) return url;
  (req as LocalePrefixedRequest).localePrefix = match[1];
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
