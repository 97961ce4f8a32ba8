import type { IncomingMessage } from 'node:http';

/**
 * The client's address. Without proxies (`hops` 0) it is the socket's peer. Behind `hops` trusted proxies each one
 * appends the address it saw to X-Forwarded-For, so the client is `hops` entries from the right: anything further
 * left was sent by the client itself and would let anyone choose their own address (and their own rate limit).
 */
export function clientIp(req: IncomingMessage, hops: number): string | undefined {
  const peer = req.socket?.remoteAddress?.replace(/^::ffff:/, '');
  if (hops < 1) return peer;
  const forwarded = ([] as string[])
    .concat(req.headers['x-forwarded-for'] ?? [])
    .join(',')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!forwarded.length) return peer;
  return forwarded[Math.max(0, forwarded.length - hops)].replace(/^::ffff:/, '');
}
