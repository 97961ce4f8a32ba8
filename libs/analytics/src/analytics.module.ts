import { Module, OnModuleInit } from '@nestjs/common';
import { ViewRenderer } from '@consilium/core';
import { OperatorDataModule } from '@consilium/core/operator-data';
import { JobsModule } from '@consilium/jobs';
import { BlueprintSections, TenancyModule } from '@consilium/tenancy';
import path from 'node:path';
import { AnalyticsBlueprintSection } from './analytics-blueprint.section';
import { AnalyticsService } from './analytics.service';
import { Benchmarks } from './benchmarks/benchmarks.service';
import { CampaignSpend } from './campaign-spend';
import { ConsoleAnalyticsController } from './http/console-analytics.controller';
import { CampaignSpendPage, ConsoleCampaignSpendController } from './http/console-campaign-spend.controller';
import { DashboardPage } from './http/dashboard-page';
import { OperatorBenchmarksController } from './http/operator-benchmarks.controller';
import { RefreshRollupsHandler } from './jobs/refresh-rollups.handler';
import { RollupRefresher } from './rollups/rollup-refresher';

/** Conversion analytics: rollups kept exact from the pipeline's tables, the hospital's dashboard, operator benchmarks. */
@Module({
  imports: [JobsModule, TenancyModule, OperatorDataModule],
  controllers: [ConsoleAnalyticsController, ConsoleCampaignSpendController, OperatorBenchmarksController],
  providers: [
    AnalyticsService,
    RollupRefresher,
    Benchmarks,
    RefreshRollupsHandler,
    AnalyticsBlueprintSection,
    DashboardPage,
    CampaignSpend,
    CampaignSpendPage,
  ],
  exports: [AnalyticsService, RollupRefresher, Benchmarks],
})
export class AnalyticsModule implements OnModuleInit {
  constructor(
    private readonly views: ViewRenderer,
    private readonly sections: BlueprintSections,
    private readonly section: AnalyticsBlueprintSection,
  ) {}

  onModuleInit(): void {
    this.sections.register(this.section);
    this.views.registerViews('analytics', path.join(__dirname, 'views'));
  }
}
