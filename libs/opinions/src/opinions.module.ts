import { Module } from '@nestjs/common';
import { CatalogModule } from '@consilium/catalog';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StipendsModule } from '@consilium/billing';
import { CasesModule } from '@consilium/cases';
import { RosterModule } from '@consilium/roster';
import { AppConfig, ViewRenderer } from '@consilium/core';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import { IdentityModule } from '@consilium/identity';
import path from 'node:path';
import { ConsoleReviewsController } from './http/console-reviews.controller';
import { PortalOpinionController } from './http/portal-opinion.controller';
import { SharedOpinionController } from './http/shared-opinion.controller';
import { AuditModule } from '@consilium/audit';
import { DeliveredOpinions } from './delivered-opinions.service';
import { Opinion } from './opinion.entity';
import { OpinionAttributions } from './opinion-attribution';
import { OpinionDelivery } from './opinion-delivery.service';
import { OpinionEditor } from './opinion-editor.service';
import { OpinionPage } from './http/opinion-page';
import { ReviewsPage } from './http/reviews-page';
import { ConsoleTranslationsController } from './http/console-translations.controller';
import { TranslationsPage } from './http/translations-page';
import { createMachineTranslator, MACHINE_TRANSLATOR } from './translation/machine-translator';
import { OpinionTranslation } from './translation/opinion-translation.entity';
import { OpinionTranslations } from './translation/opinion-translations.service';
import { ConsoleQualityController } from './http/console-quality.controller';
import { QualityPage } from './http/quality-page';
import { InternalNotes } from './internal-notes.service';
import { OpinionQualityChecks } from './quality/opinion-quality-checks.service';
import { QualityBlueprintSection } from './quality/quality-blueprint.section';

@Module({
  imports: [
    TypeOrmModule.forFeature([Opinion, OpinionTranslation]),
    CasesModule,
    CatalogModule,
    RosterModule,
    IdentityModule,
    StipendsModule,
    AuditModule,
    TenancyModule,
  ],
  controllers: [
    ConsoleReviewsController,
    ConsoleTranslationsController,
    ConsoleQualityController,
    PortalOpinionController,
    SharedOpinionController,
  ],
  providers: [
    OpinionEditor,
    OpinionDelivery,
    OpinionAttributions,
    OpinionPage,
    ReviewsPage,
    OpinionTranslations,
    TranslationsPage,
    DeliveredOpinions,
    OpinionQualityChecks,
    InternalNotes,
    QualityPage,
    QualityBlueprintSection,
    // The machine's first draft of a translation: Amazon Translate, or the demo (TRANSLATION_PROVIDER).
    { provide: MACHINE_TRANSLATOR, useFactory: createMachineTranslator, inject: [AppConfig] },
  ],
  exports: [OpinionEditor, OpinionDelivery, OpinionTranslations, DeliveredOpinions],
})
export class OpinionsModule {
  constructor(views: ViewRenderer, sections: BlueprintSections, quality: QualityBlueprintSection) {
    views.registerViews('opinions', path.join(__dirname, 'views'));
    sections.register(quality);
  }
}
