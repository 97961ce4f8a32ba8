import type { IncomingMessage } from 'node:http';

/**
 * What is known about a request by the time it is answered, kept on the raw Node request so that code outside the
 * framework (the access log, the request metrics, the HTTP server span) can read it. Ids and patterns only: the route
 * is the pattern that matched (`/console/cases/:id`), never the URL.
 */
export interface RequestFacts {
  route?: string;
  /** The request context's store (nestjs-cls), read when the request ends: its tenant and actor are known by then. */
  context?: { tenant?: { id: string }; actor?: { id: string } };
  /** Answered from the page cache, before the framework. */
  cacheHit?: boolean;
  tenantId?: string;
}

const FACTS = Symbol.for('consilium.request-facts');

type WithFacts = IncomingMessage & { [FACTS]?: RequestFacts };

/** The request's facts, created on first use. */
export function requestFacts(req: IncomingMessage): RequestFacts {
  return ((req as WithFacts)[FACTS] ??= {});
}

/** The route pattern that answered, when one did. */
export function routeOf(req: IncomingMessage): string | undefined {
  return (req as WithFacts)[FACTS]?.route;
}

/** The tenant the request was for, when one was resolved. */
export function tenantOf(req: IncomingMessage): string | undefined {
  const facts = (req as WithFacts)[FACTS];
  return facts?.tenantId ?? facts?.context?.tenant?.id;
}
