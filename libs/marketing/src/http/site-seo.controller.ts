import { Controller, Get } from '@nestjs/common';
import { AppConfig, Public, RequestContext, Resource, todayIn } from '@consilium/core';
import { ResolvedTenant, TenantSite } from '@consilium/tenancy';
import { SiteDataService } from '../pages/site-data.service';
import { publicPaths, robotsTxt, sitemapXml } from '../pages/sitemap';

/** /sitemap.xml and /robots.txt, on the primary domain (alias domains redirect there, as for pages). */
@Controller()
@TenantSite({ canonical: true })
export class SiteSeoController {
  constructor(
    private readonly data: SiteDataService,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('sitemap.xml')
  @Resource('application/xml; charset=utf-8', { cache: 'public, max-age=3600' })
  async sitemap(): Promise<string> {
    const tenant = this.context.tenant<ResolvedTenant>();
    const { catalog, roster } = await this.data.snapshots();
    return sitemapXml(
      publicPaths(catalog, roster, todayIn(tenant.timeZone)),
      this.config.originFor(tenant.primaryHost),
      tenant.locales,
      tenant.defaultLocale,
    );
  }

  @Public()
  @Get('robots.txt')
  @Resource('text/plain; charset=utf-8', { cache: 'public, max-age=3600' })
  robots(): string {
    return robotsTxt(this.config.originFor(this.context.tenant<ResolvedTenant>().primaryHost));
  }
}
