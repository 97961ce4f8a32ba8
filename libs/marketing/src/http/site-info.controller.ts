import { Controller, Get, Header, UseInterceptors } from '@nestjs/common';
import { Public } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { InfoPagesBuilder } from '../pages/info-pages.builder';
import { PageRenderer } from '../pages/page-renderer';

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
  @Header('content-type', 'text/html; charset=utf-8')
  howItWorks(): Promise<string> {
    return this.pages.render('how-it-works', (d) => this.builder.howItWorks(d));
  }

  @Public()
  @SitePage()
  @Get('faq')
  @Header('content-type', 'text/html; charset=utf-8')
  faq(): Promise<string> {
    return this.pages.render('faq', (d) => this.builder.faq(d));
  }

  @Public()
  @SitePage()
  @Get('contact')
  @Header('content-type', 'text/html; charset=utf-8')
  contact(): Promise<string> {
    return this.pages.render('contact', (d) => this.builder.contact(d));
  }

  @Public()
  @SitePage()
  @Get('privacy')
  @Header('content-type', 'text/html; charset=utf-8')
  privacy(): Promise<string> {
    return this.pages.render('legal', (d) => this.builder.legal(d, 'privacy'));
  }

  @Public()
  @SitePage()
  @Get('terms')
  @Header('content-type', 'text/html; charset=utf-8')
  terms(): Promise<string> {
    return this.pages.render('legal', (d) => this.builder.legal(d, 'terms'));
  }
}
