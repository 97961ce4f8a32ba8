import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig, RequestContext, ViewRenderer } from '@consilium/core';
import path from 'node:path';
import { localize } from './branding';
import { ResolvedTenant } from './resolved-tenant';

/** Gives every page of a tenant host its brand: name, logo, theme stylesheet, footer, language. */
@Injectable()
export class TenantLayoutData implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.views.registerViews('site', path.join(__dirname, 'views'));
    this.views.setLayoutDataProvider(() => this.forCurrentRequest());
  }

  forCurrentRequest(): Record<string, unknown> {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    if (!tenant || tenant.status !== 'active') return { lang: 'en', platformName: 'Consilium' };
    const locale = tenant.defaultLocale;
    const { branding, profile } = tenant;
    return {
      lang: locale,
      tenant: {
        name: tenant.name,
        slug: tenant.slug,
        logoUrl: assetUrl(tenant, branding.logo),
        logoAlt: branding.logoAlt ?? tenant.name,
        faviconUrl: branding.favicon ? assetUrl(tenant, branding.favicon) : undefined,
        contact: profile.contact ?? {},
        legalFooter: localize(profile.legalFooter, locale),
      },
      themeCssUrl: `/theme.css?v=${tenant.themeVersion}`,
      canonicalOrigin: this.config.originFor(tenant.primaryHost),
    };
  }
}

export function assetUrl(tenant: ResolvedTenant, name: string): string {
  return `/brand/${(tenant.assets[name] ?? 'missing').slice(0, 12)}/${name}`;
}
