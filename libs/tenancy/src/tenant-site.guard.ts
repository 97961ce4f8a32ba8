import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, ConsiliumStore, NoTenantAtHost, NotFound, PermanentRedirect, RequestContext, requestedUrl, TenantSuspended } from '@consilium/core';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { ResolvedTenant } from './resolved-tenant';

const SITE_ROUTE = 'consilium:site-route';

export interface SiteRouteOptions {
  /** A page served in every language of the site (`/pricing`, `/es/pricing`); other routes refuse a prefix. */
  localized?: boolean;
  /** The route also answers on the operator host (the platform's own front page); the handler tells them apart. */
  operatorHost?: boolean;
}

/**
 * A hospital's site route: unknown hosts get the neutral 404 page, suspended tenants a plain 503, an alias domain a
 * 301 to the primary one (one URL per page for search engines and bookmarks), and a language prefix the site does
 * not offer a 404.
 */
@Injectable()
export class TenantSiteGuard implements CanActivate {
  constructor(
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly cls: ClsService<ConsiliumStore>,
  ) {}

  canActivate(execution: ExecutionContext): boolean {
    const options = this.reflector.getAllAndOverride<SiteRouteOptions | undefined>(SITE_ROUTE, [execution.getHandler(), execution.getClass()]) ?? {};
    if (options.operatorHost && this.context.host() === this.config.operatorHost) return true;
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    // As the visitor wrote it, language prefix included (the router saw it without: see stripLocalePrefix).
    this.assertSite(options, request.method, requestedUrl(request.raw));
    return true;
  }

  assertSite(options: SiteRouteOptions = {}, method = 'GET', url = '/'): ResolvedTenant {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    if (!tenant) throw new NoTenantAtHost();
    if (tenant.status === 'suspended') throw new TenantSuspended();
    const prefixed = this.context.locale() !== tenant.defaultLocale || this.cls.get('unknownLocale');
    if (this.cls.get('unknownLocale') || (prefixed && !options.localized)) throw new NotFound();
    if (this.context.host() !== tenant.primaryHost && (method === 'GET' || method === 'HEAD')) {
      throw new PermanentRedirect(`${this.config.originFor(tenant.primaryHost)}${url.startsWith('/') ? url : '/'}`);
    }
    return tenant;
  }
}

/** A hospital-site route that is not a page (theme, brand files, sitemap, robots). */
export const TenantSite = () => applyDecorators(SetMetadata(SITE_ROUTE, {}), UseGuards(TenantSiteGuard));

/** A hospital-site page, served in each of the site's languages. */
export const SitePage = (options: Omit<SiteRouteOptions, 'localized'> = {}) =>
  applyDecorators(SetMetadata(SITE_ROUTE, { ...options, localized: true }), UseGuards(TenantSiteGuard));
