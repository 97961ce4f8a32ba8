import { Injectable } from '@nestjs/common';
import { AppConfig } from '@consilium/core';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses that are not the public internet: loopback, private, link-local (cloud metadata), CGNAT, and the like. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries (BlockList would match every IPv4 address
  // against a ::ffff:0:0/96 rule, so there is none).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  const family = isIP(address);
  if (!family) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a URL may not receive webhooks; the console says it beside the field, in the admin's language. */
export type TargetRefusal = 'url' | 'https' | 'private';

/**
 * Where webhooks may go (the SSRF guard): a http(s) URL without credentials; https only where WEBHOOKS_REQUIRE_HTTPS
 * (production by default); and no host that is, or resolves to, a loopback, private or link-local address unless
 * WEBHOOKS_ALLOW_PRIVATE_TARGETS (tests and the embedded default). Checked when an endpoint is registered and again
 * before every attempt, since a name can be pointed elsewhere after it was registered.
 */
@Injectable()
export class WebhookTargets {
  constructor(private readonly config: AppConfig) {}

  /** The refusal for `url`, or null when webhooks may be sent there. */
  async refusal(url: string): Promise<TargetRefusal | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'url';
    }
    if (!['https:', 'http:'].includes(parsed.protocol) || parsed.username || parsed.password || url.length > 2000) return 'url';
    if (this.config.webhooks.requireHttps && parsed.protocol !== 'https:') return 'https';
    if (this.config.webhooks.allowPrivateTargets) return null;
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return isPublicAddress(host) ? null : 'private';
    if (host === 'localhost' || host.endsWith('.localhost')) return 'private';
    try {
      const addresses = await lookup(host, { all: true, verbatim: true });
      return addresses.length && addresses.every((a) => isPublicAddress(a.address)) ? null : 'private';
    } catch {
      // A name that does not resolve cannot be judged public.
      return 'private';
    }
  }
}
