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
    this.views.addLayoutData(() => this.forCurrentRequest());
  }

  forCurrentRequest(): Record<string, unknown> {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    if (!tenant || tenant.status !== 'active') return { lang: this.context.locale(), platformName: 'Consilium' };
    const locale = this.context.locale();
    const { branding, profile } = tenant;
    return {
      lang: locale,
      timeZone: tenant.timeZone,
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
      locales: (profile.locales ?? [tenant.defaultLocale]).map((code) => ({ code, current: code === locale })),
      canonicalOrigin: this.config.originFor(tenant.primaryHost),
    };
  }
}

export function assetUrl(tenant: ResolvedTenant, name: string): string {
  return `/brand/${(tenant.assets[name] ?? 'missing').slice(0, 12)}/${name}`;
}
