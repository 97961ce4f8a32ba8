import { Injectable, NestMiddleware } from '@nestjs/common';
import { AppConfig, ConsiliumStore } from '@consilium/core';
import { ClsService } from 'nestjs-cls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TenantResolver } from './tenant-resolver';

/** `Host: Lakeshore.LOCALHOST:3000` -> `lakeshore.localhost`. */
export function normalizeHost(raw: string | string[] | undefined): string {
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  const first = value.split(',')[0].trim().toLowerCase();
  const host = first.startsWith('[') ? first.slice(0, first.indexOf(']') + 1) : first.replace(/:\d+$/, '');
  return host.replace(/\.$/, '');
}

/**
 * Resolves the request's Host to a tenant, once, and puts it in the request context. It never refuses a request:
 * health checks answer on any host; the site guard decides what an unknown or suspended host sees.
 */
@Injectable()
export class TenantResolutionMiddleware implements NestMiddleware {
  constructor(
    private readonly resolver: TenantResolver,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly config: AppConfig,
  ) {}

  use(req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
    const forwarded = this.config.raw.TRUST_PROXY ? req.headers['x-forwarded-host'] : undefined;
    const host = normalizeHost(forwarded ?? req.headers.host);
    this.cls.set('host', host);
    if (!host || host === this.config.operatorHost) return next();
    this.resolver.resolve(host).then((tenant) => {
      if (tenant) this.cls.set('tenant', tenant);
      next();
    }, next);
  }
}
