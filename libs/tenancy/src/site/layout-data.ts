import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig, languageName, localizedPath, RequestContext, Translator, ViewRenderer, withLang } from '@consilium/core';
import path from 'node:path';
import { localize } from '../branding';
import { JURISDICTION_CATALOGS } from '../licensure/jurisdictions';
import { ResolvedTenant } from '../resolved-tenant';

const NAV: [key: string, path: string][] = [
  ['core.layout.nav.specialties', '/specialties'],
  ['core.layout.nav.physicians', '/physicians'],
  ['core.layout.nav.pricing', '/pricing'],
  ['core.layout.nav.how', '/how-it-works'],
  ['core.layout.nav.faq', '/faq'],
];

/** Gives every page of a tenant host its brand: name, logo, theme stylesheet, navigation, footer, language. */
@Injectable()
export class TenantLayoutData implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly translator: Translator,
  ) {}

  onModuleInit(): void {
    // The site shell's words are core's (its layouts); the console editors' are in ../views/i18n.
    this.views.registerViews('site', path.join(__dirname, '..', 'views'));
    this.translator.register('jurisdictions', JURISDICTION_CATALOGS);
    this.views.addLayoutData(() => this.forCurrentRequest());
  }

  forCurrentRequest(): Record<string, unknown> {
    const tenant = this.context.tenantOrNull<ResolvedTenant>();
    // A suspended hospital shows none of its brand; one not launched yet shows it (its staff's pages, "opens soon").
    if (!tenant || tenant.status === 'suspended') return { lang: this.context.locale(), platformName: 'Consilium' };
    const locale = this.context.locale();
    const current = this.context.path();
    const link = (to: string) => localizedPath(to, locale, tenant.defaultLocale);
    const { branding, profile } = tenant;
    return {
      lang: locale,
      timeZone: tenant.timeZone,
      // Links inside the page keep its language (see the `link` helper).
      langParam: locale === tenant.defaultLocale ? undefined : locale,
      homeHref: link('/'),
      nav: NAV.map(([key, to]) => ({
        href: link(to),
        label: this.translator.t(key, locale),
        current: current === to || current.startsWith(`${to}/`),
      })),
      languages:
        tenant.locales.length > 1
          ? tenant.locales.map((code) => ({
              code,
              name: languageName(code),
              // Always explicit: a chosen language must win over the one remembered in the cookie.
              href: withLang(current, code),
              current: code === locale,
            }))
          : undefined,
      tenant: {
        name: tenant.name,
        slug: tenant.slug,
        logoUrl: assetUrl(tenant, branding.logo),
        logoAlt: branding.logoAlt ?? tenant.name,
        faviconUrl: branding.favicon ? assetUrl(tenant, branding.favicon) : undefined,
        contact: profile.contact ?? {},
        legalFooter: localize(profile.legalFooter, locale, tenant.defaultLocale),
      },
      themeCssUrl: `/theme.css?v=${tenant.themeVersion}`,
      // Sign-in links only where the identity lib runs (it registers these words with its views).
      accounts: this.translator.has('identity.signIn.title'),
      canonicalOrigin: this.config.originFor(tenant.primaryHost),
    };
  }
}

export function assetUrl(tenant: ResolvedTenant, name: string): string {
  return `/brand/${(tenant.assets[name] ?? 'missing').slice(0, 12)}/${name}`;
}
