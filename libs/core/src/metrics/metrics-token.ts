import { createHash, timingSafeEqual } from 'node:crypto';

/** The bearer token a Prometheus scraper presents (METRICS_TOKEN), compared in constant time. */
export class MetricsToken {
  private readonly token?: Buffer;

  constructor(token: string | undefined) {
    if (token) this.token = digest(token);
  }

  /** Whether `Authorization: Bearer <token>` carries the configured token (never true when none is configured). */
  presentedIn(authorization: string | string[] | undefined): boolean {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    return !!this.token && !!bearer && timingSafeEqual(digest(bearer), this.token);
  }
}

/** Compared as digests: equal lengths for timingSafeEqual, and no early exit that would leak the token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
