import { Injectable } from '@nestjs/common';
import { AppConfig, localizedPath, ogLocale, RequestContext, ViewRenderer } from '@consilium/core';
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

  /** The page's own template, without the layout: the same for every visitor, so callers may cache it. */
  body(template: string, data: Record<string, unknown> = {}): string {
    return this.views.render(template, data, { layout: false });
  }

  /** `body` inside the site layout, with the SEO head; the layout is per request (it shows who is signed in). */
  page(body: string, meta: SitePageMeta): string {
    return this.views.render('core/layouts/site', { seo: this.head(meta), body }, { layout: false });
  }

  render(template: string, meta: SitePageMeta, data: Record<string, unknown> = {}): string {
    return this.page(this.body(template, data), meta);
  }

  private head(meta: SitePageMeta) {
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = this.context.locale();
    const origin = this.config.originFor(tenant.primaryHost);
    const url = (l: string) => `${origin}${localizedPath(meta.path, l, tenant.defaultLocale)}`;
    const canonicalUrl = url(locale);
    const alternates: HeadLink[] =
      tenant.locales.length > 1
        ? [...tenant.locales.map((l) => ({ hreflang: l, href: url(l) })), { hreflang: 'x-default', href: url(tenant.defaultLocale) }]
        : [];
    const image = meta.image && (meta.image.startsWith('/') ? `${origin}${meta.image}` : meta.image);
    return {
      title: meta.fullTitle ? meta.title : `${meta.title} | ${tenant.name}`,
      description: meta.description,
      canonicalUrl,
      alternates,
      og: {
        type: meta.ogType ?? 'website',
        title: meta.title,
        description: meta.description,
        url: canonicalUrl,
        siteName: tenant.name,
        locale: ogLocale(locale),
        alternateLocales: tenant.locales.filter((l) => l !== locale).map(ogLocale),
        image,
      },
      jsonLd: meta.jsonLd ?? [],
    };
  }
}
