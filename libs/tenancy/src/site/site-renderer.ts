import { Injectable } from '@nestjs/common';
import { AppConfig, Locale, localizedPath, OG_LOCALE, RequestContext, ViewRenderer } from '@consilium/core';
import { ResolvedTenant } from '../resolved-tenant';

/** What a page says about itself to browsers, search engines and link previews. */
export interface SitePageMeta {
  /** The page's path in the default language, e.g. `/pricing`: canonical and alternate URLs are built from it. */
  path: string;
  /** The page's own title; the hospital's name is appended unless `fullTitle`. */
  title: string;
  fullTitle?: boolean;
  description: string;
  ogType?: 'website' | 'profile' | 'article';
  /** An absolute URL or a path on the site. */
  image?: string;
  /** schema.org objects, each rendered as its own JSON-LD block. */
  jsonLd?: object[];
}

export interface HeadLink {
  hreflang: string;
  href: string;
}

/**
 * Renders a hospital-site page with its SEO head: title, description, canonical URL on the primary domain, hreflang
 * alternates for every language of the site, OpenGraph tags and JSON-LD. Every page controller goes through here,
 * so no page can forget its canonical URL.
 */
@Injectable()
export class SiteRenderer {
  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  render(template: string, meta: SitePageMeta, data: Record<string, unknown> = {}): string {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const origin = this.config.originFor(tenant.primaryHost);
    const url = (l: string) => `${origin}${localizedPath(meta.path, l, tenant.defaultLocale)}`;
    const canonicalUrl = url(locale);
    const alternates: HeadLink[] =
      tenant.locales.length > 1
        ? [...tenant.locales.map((l) => ({ hreflang: l, href: url(l) })), { hreflang: 'x-default', href: url(tenant.defaultLocale) }]
        : [];
    const title = meta.fullTitle ? meta.title : `${meta.title} | ${tenant.name}`;
    const image = meta.image && (meta.image.startsWith('/') ? `${origin}${meta.image}` : meta.image);
    return this.views.render(template, {
      ...data,
      seo: {
        title,
        description: meta.description,
        canonicalUrl,
        alternates,
        og: {
          type: meta.ogType ?? 'website',
          title: meta.title,
          description: meta.description,
          url: canonicalUrl,
          siteName: tenant.name,
          locale: OG_LOCALE[locale as Locale] ?? locale,
          alternateLocales: tenant.locales.filter((l) => l !== locale).map((l) => OG_LOCALE[l as Locale] ?? l),
          image,
        },
        jsonLd: meta.jsonLd ?? [],
      },
    });
  }
}
