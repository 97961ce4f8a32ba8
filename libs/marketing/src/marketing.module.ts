import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewRenderer } from '@consilium/core';
import { FundingProgramsModule } from '@consilium/billing';
import { CatalogModule } from '@consilium/catalog';
import { RosterModule } from '@consilium/roster';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { AttributionInterceptor } from './attribution/attribution.interceptor';
import { AttributionService } from './attribution/attribution.service';
import { Visit } from './attribution/visit.entity';
import { Faq } from './content/faq.entity';
import { MarketingBlueprintSection } from './content/marketing-blueprint.section';
import { SiteContentService } from './content/site-content.service';
import { SitePage } from './content/site-page.entity';
import { Testimonial } from './content/testimonial.entity';
import { ConsoleLaunchController } from './http/console-launch.controller';
import { ConsoleInfoPagesController, InfoPagesPage } from './http/console-info-pages.controller';
import { ConsoleSiteController } from './http/console-site.controller';
import { SiteCatalogController } from './http/site-catalog.controller';
import { SiteHomeController } from './http/site-home.controller';
import { SiteInfoController } from './http/site-info.controller';
import { SitePhysiciansController } from './http/site-physicians.controller';
import { SiteSeoController } from './http/site-seo.controller';
import { LaunchChecklistService } from './launch/launch-checklist';
import { LaunchHomeSection } from './launch/launch-home-section';
import { SiteCopyPage } from './http/site-copy-page';
import { CatalogPagesBuilder } from './pages/catalog-pages.builder';
import { HomePageBuilder } from './pages/home-page.builder';
import { InfoPagesBuilder } from './pages/info-pages.builder';
import { PageRenderer } from './pages/page-renderer';
import { RosterPagesBuilder } from './pages/roster-pages.builder';
import { SiteDataService } from './pages/site-data.service';

/** The hospital's public site: pages, SEO (sitemap, robots, JSON-LD) and campaign attribution. */
@Module({
  imports: [
    TypeOrmModule.forFeature([SitePage, Faq, Testimonial, Visit]),
    TenancyModule,
    CatalogModule,
    RosterModule,
    FundingProgramsModule,
  ],
  controllers: [
    ConsoleSiteController,
    ConsoleInfoPagesController,
    ConsoleLaunchController,
    SiteHomeController,
    SiteCatalogController,
    SitePhysiciansController,
    SiteInfoController,
    SiteSeoController,
  ],
  providers: [
    SiteContentService,
    AttributionService,
    AttributionInterceptor,
    MarketingBlueprintSection,
    SiteDataService,
    PageRenderer,
    HomePageBuilder,
    CatalogPagesBuilder,
    RosterPagesBuilder,
    InfoPagesBuilder,
    SiteCopyPage,
    InfoPagesPage,
    LaunchChecklistService,
    LaunchHomeSection,
  ],
  exports: [SiteContentService, AttributionService],
})
export class MarketingModule implements OnModuleInit {
  constructor(
    private readonly sections: BlueprintSections,
    private readonly section: MarketingBlueprintSection,
    private readonly views: ViewRenderer,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.section);
    // Templates, partials and words (views/i18n) under `marketing`.
    this.views.registerViews('marketing', path.join(__dirname, 'views'));
  }
}
