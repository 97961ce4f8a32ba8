import { Controller, Get, Header, UseInterceptors } from '@nestjs/common';
import { AppConfig, Public, RequestContext, ViewRenderer } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { HomePageBuilder } from '../pages/home-page.builder';
import { PageRenderer } from '../pages/page-renderer';

@Controller()
@UseInterceptors(AttributionInterceptor)
export class SiteHomeController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly home: HomePageBuilder,
    private readonly views: ViewRenderer,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
  ) {}

  /** The hospital's home page; on the operator host, the platform's neutral front page. */
  @Public()
  @SitePage({ operatorHost: true })
  @Get('/')
  @Header('content-type', 'text/html; charset=utf-8')
  index(): Promise<string> | string {
    if (this.context.host() === this.config.operatorHost) {
      return this.views.render('site/operator-home', { title: 'Consilium operator host' }, { layout: 'plain' });
    }
    return this.pages.render('home', (d) => this.home.build(d));
  }
}
