import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { AppConfig, Page, pageView, Public, RequestContext } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { HomePageBuilder } from '../pages/home-page.builder';
import { PageRenderer, SITE_PAGE } from '../pages/page-renderer';

@Controller()
@UseInterceptors(AttributionInterceptor)
export class SiteHomeController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly home: HomePageBuilder,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** The hospital's home page; on the operator host, the platform's neutral front page. */
  @Public()
  @SitePage({ operatorHost: true })
  @Get('/')
  @Page(SITE_PAGE, { cache: false })
  index() {
    if (this.context.host() === this.config.operatorHost) {
      return pageView('site/operator-home', {}, { layout: 'plain', title: 'site.operatorHome.title' });
    }
    return this.pages.render('home', (d) => this.home.build(d));
  }
}
