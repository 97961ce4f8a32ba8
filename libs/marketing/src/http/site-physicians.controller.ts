import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { NotFound, Page, Public } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { PageRenderer, SITE_PAGE } from '../pages/page-renderer';
import { RosterPagesBuilder } from '../pages/roster-pages.builder';
import { SiteDataService } from '../pages/site-data.service';

/** /physicians and /physicians/:slug. */
@Controller('physicians')
@UseInterceptors(AttributionInterceptor)
export class SitePhysiciansController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly builder: RosterPagesBuilder,
    private readonly data: SiteDataService,
  ) {}

  @Public()
  @SitePage()
  @Get()
  @Page(SITE_PAGE, { cache: false })
  physicians() {
    return this.pages.render('physicians', (d) => this.builder.physicians(d));
  }

  /** Another hospital's physician, or one no longer on the roster, is simply not found here. */
  @Public()
  @SitePage()
  @Get(':slug')
  @Page(SITE_PAGE, { cache: false })
  async physician(@Param('slug') slug: string) {
    const { roster } = await this.data.snapshots();
    if (!roster.physicians.some((p) => p.slug === slug)) throw new NotFound();
    return this.pages.render('physician', (d) => this.builder.physician(d, slug));
  }
}
