import type { FastifyRequest } from 'fastify';

/** RFC 8288 `Link: <...>; rel="next"`: the same request with the next page's cursor (relative to the host). */
export function nextLink(request: FastifyRequest, cursor: string): string {
  const url = new URL(request.url, 'http://host');
  url.searchParams.set('cursor', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}
