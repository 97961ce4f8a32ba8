import { Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewRenderer } from '@consilium/core';
import { CatalogModule } from '@consilium/catalog';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { FundingBudgets } from '../payments/funding/funding-budgets.service';
import { FundingBlueprintSection } from './funding-blueprint.section';
import { FundingPresenter } from './funding-presenter';
import { FundingProgram } from './funding-program.entity';
import { FundingProgramsService } from './funding-programs.service';

const SERVICES = [FundingProgramsService, FundingPresenter];

/**
 * Funding programs: what the site shows and blueprints write. Apart from PaymentsModule so that the site and the
 * CLI do not need the payment providers; FundingBudgets is stateless, so both modules may hold one.
 */
@Module({
  imports: [TypeOrmModule.forFeature([FundingProgram]), TenancyModule, CatalogModule],
  providers: [...SERVICES, FundingBudgets, FundingBlueprintSection],
  exports: [...SERVICES, FundingBudgets],
})
export class FundingProgramsModule implements OnModuleInit {
  constructor(
    private readonly sections: BlueprintSections,
    private readonly section: FundingBlueprintSection,
    private readonly views: ViewRenderer,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.section);
    // Views and words (views/i18n) under `funding`: `billing` belongs to the payments pages.
    this.views.registerViews('funding', path.join(__dirname, 'views'));
  }
}
