import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { Page, Public } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { InfoPagesBuilder } from '../pages/info-pages.builder';
import { PageRenderer, SITE_PAGE } from '../pages/page-renderer';

/** /how-it-works, /faq, /contact, /privacy, /terms. */
@Controller()
@UseInterceptors(AttributionInterceptor)
export class SiteInfoController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly builder: InfoPagesBuilder,
  ) {}

  @Public()
  @SitePage()
  @Get('how-it-works')
  @Page(SITE_PAGE, { cache: false })
  howItWorks() {
    return this.pages.render('how-it-works', (d) => this.builder.howItWorks(d));
  }

  @Public()
  @SitePage()
  @Get('faq')
  @Page(SITE_PAGE, { cache: false })
  faq() {
    return this.pages.render('faq', (d) => this.builder.faq(d));
  }

  @Public()
  @SitePage()
  @Get('contact')
  @Page(SITE_PAGE, { cache: false })
  contact() {
    return this.pages.render('contact', (d) => this.builder.contact(d));
  }

  @Public()
  @SitePage()
  @Get('privacy')
  @Page(SITE_PAGE, { cache: false })
  privacy() {
    return this.pages.render('legal', (d) => this.builder.legal(d, 'privacy'));
  }

  @Public()
  @SitePage()
  @Get('terms')
  @Page(SITE_PAGE, { cache: false })
  terms() {
    return this.pages.render('legal', (d) => this.builder.legal(d, 'terms'));
  }
}
