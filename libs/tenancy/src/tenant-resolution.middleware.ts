import { Injectable, NestMiddleware } from '@nestjs/common';
import {
  AppConfig,
  clientIp,
  ConsiliumStore,
  databaseUnavailable,
  LANG_COOKIE_PATTERN,
  negotiateLocale,
  platformLocales,
} from '@consilium/core';
import { ClsService } from 'nestjs-cls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ResolvedTenant } from './resolved-tenant';
import { TenantResolver } from './tenant-resolver';

export const LOCALE_COOKIE = 'lang';

/** `Host: Lakeshore.LOCALHOST:3000` -> `lakeshore.localhost`. */
export function normalizeHost(raw: string | string[] | undefined): string {
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  const first = value.split(',')[0].trim().toLowerCase();
  const host = first.startsWith('[') ? first.slice(0, first.indexOf(']') + 1) : first.replace(/:\d+$/, '');
  return host.replace(/\.$/, '');
}

/**
 * Resolves the request's Host to a tenant, once, and puts it in the request context. It never refuses a request:
 * health checks answer on any host; the site guard decides what an unknown or suspended host sees. A webhook
 * (`/webhooks/*`) has no request tenant: the provider may call any hospital's host, and the tenant its work is for
 * comes from the signed payload (TenantDatabase.forTenant refuses any tenant but the request's own).
 */
@Injectable()
export class TenantResolutionMiddleware implements NestMiddleware {
  constructor(
    private readonly resolver: TenantResolver,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly config: AppConfig,
  ) {}

  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const forwarded = this.config.proxyHops ? req.headers['x-forwarded-host'] : undefined;
    const host = normalizeHost(forwarded ?? req.headers.host);
    this.cls.set('host', host);
    // The page's path, for navigation and canonical URLs; middleware sees req.url relative to its mount point.
    this.cls.set('path', ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?')[0]);
    this.cls.set('ip', clientIp(req, this.config.proxyHops));
    this.cls.set('userAgent', String(req.headers['user-agent'] ?? '').slice(0, 300));
    if (!host || host === this.config.operatorHost || /^\/webhooks(\/|$)/.test(this.cls.get('path') ?? '')) {
      // No hospital: the operator console and the "no program here" page speak any platform language.
      this.cls.set('locale', this.localeFor(req, null));
      return next();
    }
    this.resolver.resolve(host).then(
      (tenant) => {
        if (tenant) this.cls.set('tenant', tenant);
        this.cls.set('locale', this.localeFor(req, tenant));
        next();
      },
      (error: unknown) => {
        // Before any route, so no exception filter: the database out of reach is a plain 503 here, and the
        // error's own message (addresses, driver text) never reaches the client.
        if (!databaseUnavailable(error)) return next(error);
        res.statusCode = 503;
        res.setHeader('retry-after', '5');
        res.setHeader('cache-control', 'no-store');
        const json = !String(req.headers.accept ?? '').includes('text/html');
        res.setHeader('content-type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8');
        res.end(
          json
            ? JSON.stringify({ error: { status: 503, code: 'service_unavailable', message: 'The service is briefly unavailable.' } })
            : '<!doctype html><html lang="en"><meta charset="utf-8"><title>Briefly unavailable</title><h1>The service is briefly unavailable.</h1><p>Please try again in a moment.</p></html>',
        );
      },
    );
  }

  /** ?lang= (remembered in a cookie by LocaleCookieInterceptor), then the cookie, then Accept-Language. */
  private localeFor(req: IncomingMessage, tenant: ResolvedTenant | null): string {
    const supported = tenant ? (tenant.profile.locales ?? ['en']) : [...platformLocales()];
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('lang') ?? undefined;
    const cookie = LANG_COOKIE_PATTERN.exec(String(req.headers.cookie ?? ''))?.[1];
    return negotiateLocale({
      explicit: query ?? cookie,
      acceptLanguage: req.headers['accept-language'],
      supported,
      fallback: tenant?.defaultLocale ?? 'en',
    });
  }
}
