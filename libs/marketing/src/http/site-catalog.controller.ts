import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { NotFound, Page, Public } from '@consilium/core';
import { SitePage } from '@consilium/tenancy';
import { AttributionInterceptor } from '../attribution/attribution.interceptor';
import { CatalogPagesBuilder } from '../pages/catalog-pages.builder';
import { PageRenderer, SITE_PAGE } from '../pages/page-renderer';
import { SiteDataService } from '../pages/site-data.service';

/** /specialties, /specialties/:slug and /pricing. */
@Controller()
@UseInterceptors(AttributionInterceptor)
export class SiteCatalogController {
  constructor(
    private readonly pages: PageRenderer,
    private readonly builder: CatalogPagesBuilder,
    private readonly data: SiteDataService,
  ) {}

  @Public()
  @SitePage()
  @Get('specialties')
  @Page(SITE_PAGE, { cache: false })
  specialties() {
    return this.pages.render('specialties', (d) => this.builder.specialties(d));
  }

  /** Another hospital's specialty, or a withdrawn one, is simply not found here. */
  @Public()
  @SitePage()
  @Get('specialties/:slug')
  @Page(SITE_PAGE, { cache: false })
  async specialty(@Param('slug') slug: string) {
    const { catalog } = await this.data.snapshots();
    if (!catalog.specialties.some((s) => s.slug === slug)) throw new NotFound();
    return this.pages.render('specialty', (d) => this.builder.specialty(d, slug));
  }

  @Public()
  @SitePage()
  @Get('pricing')
  @Page(SITE_PAGE, { cache: false })
  pricing() {
    return this.pages.render('pricing', (d) => this.builder.pricing(d));
  }
}
