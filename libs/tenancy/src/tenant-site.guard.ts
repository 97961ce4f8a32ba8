import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig, NoTenantAtHost, PermanentRedirect, RequestContext, TenantComingSoon, TenantSuspended } from '@consilium/core';
import type { FastifyRequest } from 'fastify';
import { ResolvedTenant } from './resolved-tenant';
import { hasPreview } from './site-preview';

const SITE_ROUTE = 'consilium:site-route';

export interface SiteRouteOptions {
  /** The route also answers on the operator host (the platform's own front page); the handler tells them apart. */
  operatorHost?: boolean;
  /** Kept for the public pages' decorator; every page of an alias domain now answers 301 (see the guard). */
  canonical?: boolean;
}

/**
 * Machine clients (the integration API, SCIM) are not redirected: an HTTP client drops the Authorization header on a
 * redirect to another host, so a 301 would become a puzzling 401. They answer on whichever host they were given.
 */
const MACHINE_PATHS = /^\/(api|scim)\//;

/** What a hospital not launched yet does not offer the public: the request itself and a patient's account. */
const INTAKE_PATHS = /^\/(start|sign-up)(\/|\?|$)/;

/**
 * A hospital's site route: unknown hosts get the neutral 404 page, suspended tenants a plain 503, and every page of
 * an alias domain (intake, sign-in and the consoles included) a 301 to the same path and query on the primary one:
 * one URL per page for search engines and bookmarks, and sign-in cookies set on one host only.
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
    // Not launched: staff sign in and work in the consoles; the public pages and the intake say when to come back,
    // except to whoever holds the hospital's preview cookie (its staff, walking a test request before launch).
    if (
      tenant.status === 'coming_soon' &&
      (options.canonical || INTAKE_PATHS.test(request.url)) &&
      !hasPreview(request, this.config.appSecret, tenant.id)
    ) {
      throw new TenantComingSoon();
    }
    const read = request.method === 'GET' || request.method === 'HEAD';
    if (read && this.context.host() !== tenant.primaryHost && !MACHINE_PATHS.test(request.url)) {
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
