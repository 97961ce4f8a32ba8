import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CoreModule } from '@consilium/core';
import { AnalyticsModule } from '@consilium/analytics';
import { AuditModule } from '@consilium/audit';
import { PaymentsModule } from '@consilium/billing';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { JobsModule } from '@consilium/jobs';
import { MarketingModule } from '@consilium/marketing';
import { BrandedAccountMail, NotificationsModule } from '@consilium/notifications';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/**
 * What operator commands reach: blueprints, jobs, email, analytics, payments, and identity for operators and staff
 * invitations. As in the platform, identity's account emails go through notifications' queue and brand.
 */
@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    const accountMail = { provide: AccountMail, useExisting: BrandedAccountMail };
    return {
      module: CliModule,
      global: true,
      imports: [
        CoreModule.forRoot({ config, migrations: allMigrations, process: 'cli' }),
        TenancyModule,
        PaymentsModule,
        MarketingModule,
        JobsModule,
        NotificationsModule,
        AnalyticsModule,
        AuditModule,
        IdentityModule,
      ],
      providers: [accountMail],
      exports: [accountMail],
    };
  }
}
