import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CoreModule } from '@consilium/core';
import { AnalyticsModule } from '@consilium/analytics';
import { PaymentsModule } from '@consilium/billing';
import { JobsModule } from '@consilium/jobs';
import { MarketingModule } from '@consilium/marketing';
import { NotificationsModule } from '@consilium/notifications';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        CoreModule.forRoot({ config, migrations: allMigrations, process: 'cli' }),
        TenancyModule,
        PaymentsModule,
        MarketingModule,
        JobsModule,
        NotificationsModule,
        AnalyticsModule,
      ],
    };
  }
}
