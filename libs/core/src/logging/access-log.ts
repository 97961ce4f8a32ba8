import pino, { Logger } from 'pino';

/** One answered (or abandoned) request, as the access log writes it. */
export interface AccessEntry {
  reqId: string;
  method: string;
  /** The route pattern, `unmatched` for a 404 that matched none; never the URL. */
  route: string;
  status: number;
  ms: number;
  /** Body bytes sent. */
  bytes: number;
  host?: string;
  tenantId?: string;
  actorId?: string;
  /** Answered from the page cache, before the framework. */
  cache?: 'hit';
  /** The client went away before the response was complete. */
  aborted?: true;
}

const HOST = /^[a-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9a-f:.]{2,45}\](?::\d{1,5})?$/;

/**
 * The access log: one JSON line per request, written when its response ends, for every route, status and host. It
 * carries ids, the route pattern, the status, the time taken and the bytes sent; never a query string, a cookie, an
 * authorization header or a body (none of them is ever handed to it). 5xx are logged as errors, 4xx as warnings.
 */
export class AccessLog {
  private readonly logger: Logger;

  constructor(level: string, destination?: pino.DestinationStream) {
    this.logger = destination ? pino({ level }, destination) : pino({ level });
  }

  write(entry: AccessEntry): void {
    const level = entry.status >= 500 ? 'error' : entry.status >= 400 ? 'warn' : 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    this.logger[level](entry, 'request');
  }
}

/** The Host header as a log field: lower-cased, and only when it looks like a host (anything else is a client's noise). */
export function loggedHost(raw: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().toLowerCase();
  if (!value) return undefined;
  return HOST.test(value) ? value : '(invalid)';
}
