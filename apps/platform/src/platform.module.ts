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
  /**
   * `domains: false` builds only the platform's base (core, tenancy, site, jobs, email) plus `extra`: suites compose
   * exactly the libs they test. The running platform always has them all.
   */
  static register(config: AppConfig, extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {}, options: { domains?: boolean } = {}): DynamicModule {
    const domains = options.domains ?? true;
    const wiring = domains
      ? [
          { provide: AccountMail, useExisting: BrandedAccountMail },
          { provide: CasePayments, useExisting: PaymentsService },
        ]
      : [];
    return {
      module: PlatformModule,
      global: true,
      imports: [
        CoreModule.forRoot({ config, migrations: allMigrations, process: 'platform' }),
        TenancyModule, MarketingModule, JobsModule, NotificationsModule,
        ...(domains ? [IdentityModule, CasesModule, IntakeModule, OpinionsModule, PaymentsModule] : []),
        ...(extra.imports ?? []),
      ],
      providers: [...wiring, ...(extra.providers ?? [])],
      exports: [...wiring.map((w) => w.provide), ...(extra.providers ?? [])],
    };
  }
}
