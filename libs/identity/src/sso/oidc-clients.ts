import { Injectable } from '@nestjs/common';
import { AppConfig, InvalidInput, msg } from '@consilium/core';
import * as oidc from 'openid-client';
import { guardedFetch, PrivateAddressRefused } from './metadata-fetch';

/** How long a provider's discovery document is trusted before it is read again (keys rotate; so may endpoints). */
const DISCOVERY_SECONDS = 600;

/**
 * openid-client's Configuration per hospital: the provider's discovery document and the client's credentials. Read
 * once and kept for a while, so a sign-in costs the provider one token request, not a discovery round trip too.
 * Plain HTTP is accepted only for a provider on this machine (loopback), as tests and the local demo run one.
 *
 * The issuer is typed by a hospital's admin, so every request to it (discovery, token, keys) goes through the same
 * address check as SAML metadata: unless SSO_FETCH_PRIVATE_ADDRESSES (off in production), nothing is sent to this
 * machine or its private network.
 */
@Injectable()
export class OidcClients {
  private readonly cache = new Map<string, { key: string; config: oidc.Configuration; until: number }>();
  private readonly fetch = guardedFetch();

  constructor(private readonly config: AppConfig) {}

  async configFor(tenantId: string, issuer: string, clientId: string, secret: string): Promise<oidc.Configuration> {
    const key = `${issuer}\n${clientId}\n${secret}`;
    const kept = this.cache.get(tenantId);
    if (kept && kept.key === key && kept.until > Date.now()) return kept.config;
    const config = await this.discover(issuer, clientId, secret);
    this.cache.set(tenantId, { key, config, until: Date.now() + DISCOVERY_SECONDS * 1000 });
    return config;
  }

  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /** The issuer answers as an OpenID provider, or the admin is told what to fix beside the field. */
  async check(issuer: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new InvalidInput({ issuer: msg('identity.sso.issuerInvalid') });
    }
    if (url.protocol !== 'https:' && !loopback(url)) throw new InvalidInput({ issuer: msg('identity.sso.issuerInvalid') });
    try {
      await this.discover(issuer, 'discovery-check', undefined);
    } catch (error) {
      if (refusedAsPrivate(error)) throw new InvalidInput({ issuer: msg('identity.sso.issuerPrivate', { url: issuer.slice(0, 300) }) });
      throw new InvalidInput({
        issuer: msg('identity.sso.issuerUnreachable', { url: `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration` }),
      });
    }
  }

  private discover(issuer: string, clientId: string, secret: string | undefined): Promise<oidc.Configuration> {
    const url = new URL(issuer);
    return oidc.discovery(url, clientId, secret, undefined, {
      // openid-client trusts an id_token from the token endpoint on TLS alone (the spec allows it); we check its
      // signature against the provider's keys as well, so a token altered anywhere on the way is refused.
      execute: [oidc.enableNonRepudiationChecks, ...(loopback(url) && url.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])],
      timeout: 10,
      ...(this.config.fetchPrivateAddresses ? {} : { [oidc.customFetch]: this.fetch }),
    });
  }
}

/** openid-client may hand the fetch's error on as the cause of its own. */
function refusedAsPrivate(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof PrivateAddressRefused) return true;
  return false;
}

function loopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}
