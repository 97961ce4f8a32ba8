import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StipendsModule } from '@consilium/billing';
import { CasesModule } from '@consilium/cases';
import { ViewRenderer } from '@consilium/core';
import { IdentityModule } from '@consilium/identity';
import path from 'node:path';
import { ConsoleReviewsController } from './http/console-reviews.controller';
import { PortalOpinionController } from './http/portal-opinion.controller';
import { SharedOpinionController } from './http/shared-opinion.controller';
import { AuditModule } from '@consilium/audit';
import { DeliveredOpinions } from './delivered-opinions.service';
import { Opinion } from './opinion.entity';
import { OpinionDelivery } from './opinion-delivery.service';
import { OpinionEditor } from './opinion-editor.service';
import { OpinionPage } from './http/opinion-page';
import { ReviewsPage } from './http/reviews-page';

@Module({
  imports: [TypeOrmModule.forFeature([Opinion]), CasesModule, IdentityModule, StipendsModule, AuditModule],
  controllers: [ConsoleReviewsController, PortalOpinionController, SharedOpinionController],
  providers: [OpinionEditor, OpinionDelivery, OpinionPage, ReviewsPage, DeliveredOpinions],
  exports: [OpinionEditor, OpinionDelivery, DeliveredOpinions],
})
export class OpinionsModule {
  constructor(views: ViewRenderer) {
    views.registerViews('opinions', path.join(__dirname, 'views'));
  }
}
