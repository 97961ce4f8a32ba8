import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewRenderer } from '@consilium/core';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { CatalogBlueprintSection } from './catalog-blueprint.section';
import { CatalogPresenter } from './catalog-presenter';
import { CatalogReader } from './catalog-reader';
import { CatalogPages } from './http/catalog-pages';
import { ConsoleCatalogController } from './http/console-catalog.controller';
import { ConsoleQuestionsController } from './http/console-questions.controller';
import { ConsoleSpecialtiesController } from './http/console-specialties.controller';
import { QuestionPages } from './http/question-pages';
import { SpecialtyPages } from './http/specialty-pages';
import { OfferingAddOn } from './offering-add-on.entity';
import { Offering } from './offering.entity';
import { OfferingsService } from './offerings.service';
import { PriceRule } from './price-rule.entity';
import { PriceRulesService } from './price-rules.service';
import { SpecialtiesService } from './specialties.service';
import { Specialty } from './specialty.entity';

const SERVICES = [SpecialtiesService, OfferingsService, PriceRulesService, CatalogReader, CatalogPresenter];

/** Specialties, offerings with add-ons, and price rules: what a hospital sells, and for how much. */
@Module({
  imports: [TypeOrmModule.forFeature([Specialty, Offering, OfferingAddOn, PriceRule]), TenancyModule],
  controllers: [ConsoleCatalogController, ConsoleSpecialtiesController, ConsoleQuestionsController],
  providers: [...SERVICES, CatalogBlueprintSection, CatalogPages, SpecialtyPages, QuestionPages],
  exports: SERVICES,
})
export class CatalogModule implements OnModuleInit {
  constructor(
    private readonly sections: BlueprintSections,
    private readonly section: CatalogBlueprintSection,
    private readonly views: ViewRenderer,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.section);
    // Templates, partials and words (views/i18n) under `catalog`.
    this.views.registerViews('catalog', path.join(__dirname, 'views'));
  }
}
