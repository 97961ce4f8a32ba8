import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { NoTenantAtHost, RequestContext, TenantSuspended } from '@consilium/core';
import { ResolvedTenant } from './resolved-tenant';

/** A hospital's site route: unknown hosts get the neutral 404 page, suspended tenants a plain 503. */
@Injectable()
export class TenantSiteGuard implements CanActivate {
  constructor(private readonly context: RequestContext) {}

  canActivate(_: ExecutionContext): boolean {
    this.assertSite();
    return true;
  }

  assertSite(): ResolvedTenant {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    if (!tenant) throw new NoTenantAtHost();
    if (tenant.status === 'suspended') throw new TenantSuspended();
    return tenant;
  }
}

export const TenantSite = () => applyDecorators(UseGuards(TenantSiteGuard));
