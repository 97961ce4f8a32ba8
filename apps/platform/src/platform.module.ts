import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { CasePayments, CasesModule } from '@consilium/cases';
import { AppConfig, CoreModule } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { JobsModule } from '@consilium/jobs';
import { MarketingModule } from '@consilium/marketing';
import { BrandedAccountMail, NotificationsModule } from '@consilium/notifications';
import { OpinionsModule } from '@consilium/opinions';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/**
 * The HTTP process: patient sites, consoles, API, webhooks, health. Here the domain libs meet: identity's account
 * emails go through notifications, and the pipeline's money steps through billing.
 */
@Module({})
export class PlatformModule {
  static register(config: AppConfig, extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {}): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [
        CoreModule.forRoot({ config, migrations: allMigrations, process: 'platform' }),
        TenancyModule, MarketingModule, JobsModule, NotificationsModule, IdentityModule, CasesModule, IntakeModule, OpinionsModule, PaymentsModule,
        ...(extra.imports ?? []),
      ],
      providers: [
        { provide: AccountMail, useExisting: BrandedAccountMail },
        { provide: CasePayments, useExisting: PaymentsService },
        ...(extra.providers ?? []),
      ],
      exports: [AccountMail, CasePayments, ...(extra.providers ?? [])],
    };
  }
}
