import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, NoTenantAtHost, PermanentRedirect, RequestContext, TenantSuspended } from '@consilium/core';
import type { FastifyRequest } from 'fastify';
import { ResolvedTenant } from './resolved-tenant';

const SITE_ROUTE = 'consilium:site-route';

export interface SiteRouteOptions {
  /** The route also answers on the operator host (the platform's own front page); the handler tells them apart. */
  operatorHost?: boolean;
  /**
   * A public address search engines and bookmarks keep (pages, sitemap, robots): on an alias domain it answers 301
   * to the primary one. Not for sign-in, consoles or the API, whose clients and cookies stay where they are.
   */
  canonical?: boolean;
}

/**
 * A hospital's site route: unknown hosts get the neutral 404 page, suspended tenants a plain 503, and an alias
 * domain a 301 to the primary one (one URL per page for search engines and bookmarks).
 */
@Injectable()
export class TenantSiteGuard implements CanActivate {
  constructor(
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(execution: ExecutionContext): boolean {
    const options =
      this.reflector.getAllAndOverride<SiteRouteOptions | undefined>(SITE_ROUTE, [execution.getHandler(), execution.getClass()]) ?? {};
    if (options.operatorHost && this.context.host() === this.config.operatorHost) return true;
    const tenant = this.assertSite();
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    if (options.canonical && this.context.host() !== tenant.primaryHost && (request.method === 'GET' || request.method === 'HEAD')) {
      throw new PermanentRedirect(`${this.config.originFor(tenant.primaryHost)}${request.url.startsWith('/') ? request.url : '/'}`);
    }
    return true;
  }

  assertSite(): ResolvedTenant {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    if (!tenant) throw new NoTenantAtHost();
    if (tenant.status === 'suspended') throw new TenantSuspended();
    return tenant;
  }
}

/** A route of a hospital's host: pages, consoles, sign-in, API. */
export const TenantSite = (options: SiteRouteOptions = {}) => applyDecorators(SetMetadata(SITE_ROUTE, options), UseGuards(TenantSiteGuard));

/** A public page of the hospital's site, served on its primary domain only. */
export const SitePage = (options: Omit<SiteRouteOptions, 'canonical'> = {}) => TenantSite({ ...options, canonical: true });
