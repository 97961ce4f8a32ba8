import { Injectable } from '@nestjs/common';
import { AppConfig, isPublicAddress } from '@consilium/core';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

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
