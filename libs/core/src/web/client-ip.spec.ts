import type { IncomingMessage } from 'node:http';
import { clientIp } from './client-ip';

const request = (peer: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  }) as unknown as IncomingMessage;

describe('the client address', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientIp(request('::ffff:192.0.2.1', '203.0.113.9'), 0)).toBe('192.0.2.1');
  });

  it('is the entry our one proxy appended, not what the client wrote before it', () => {
    expect(clientIp(request('10.0.0.2', '203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientIp(request('10.0.0.2', '198.51.100.7, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientIp(request('10.0.0.2', '198.51.100.7,203.0.113.9'), 1)).toBe('203.0.113.9');
  });

  it('counts as many entries from the right as there are proxies', () => {
    // A CDN in front of the load balancer: the CDN saw the client, the balancer saw the CDN.
    expect(clientIp(request('10.0.0.2', '1.1.1.1, 203.0.113.9, 192.0.2.50'), 2)).toBe('203.0.113.9');
  });

  it('falls back to the peer, or the leftmost entry, when the header is missing or short', () => {
    expect(clientIp(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientIp(request('10.0.0.2', '203.0.113.9'), 2)).toBe('203.0.113.9');
  });
});
