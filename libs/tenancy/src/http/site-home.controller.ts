import { Controller, Get, Header } from '@nestjs/common';
import { AppConfig, Public, RequestContext, ViewRenderer } from '@consilium/core';
import { localize } from '../branding';
import { ResolvedTenant } from '../resolved-tenant';
import { TenantSiteGuard } from '../tenant-site.guard';

@Controller()
export class SiteHomeController {
  constructor(
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    private readonly siteGuard: TenantSiteGuard,
  ) {}

  /** The hospital's home page; on the operator host, the platform's neutral front page. */
  @Public()
  @Get('/')
  @Header('content-type', 'text/html; charset=utf-8')
  home(): string {
    if (this.context.host() === this.config.operatorHost) {
      return this.views.render('site/operator-home', { title: 'Consilium operator host' }, { layout: 'plain' });
    }
    this.siteGuard.assertSite();
    const tenant = this.context.tenant<ResolvedTenant>();
    const locale = tenant.defaultLocale;
    const hero = tenant.profile.landing?.hero;
    return this.views.render('site/home', {
      title: localize(hero?.title, locale) ?? tenant.name,
      hero: {
        title: localize(hero?.title, locale) ?? `Second opinions from ${tenant.name}`,
        subtitle: localize(hero?.subtitle, locale),
        cta: localize(hero?.cta, locale) ?? 'Request a second opinion',
      },
    });
  }
}
