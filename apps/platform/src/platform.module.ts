import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { AnalyticsModule } from '@consilium/analytics';
import { PaymentsModule, PaymentsService } from '@consilium/billing';
import { CasePayments, CaseRecordAccess, CasesModule } from '@consilium/cases';
import { ConsultsHttpModule } from '@consilium/consults';
import { AppConfig, CoreModule } from '@consilium/core';
import { AccountMail, IdentityModule } from '@consilium/identity';
import { IntakeModule } from '@consilium/intake';
import { IntegrationsModule } from '@consilium/integrations';
import { JobsModule } from '@consilium/jobs';
import { MarketingModule } from '@consilium/marketing';
import { BrandedAccountMail, NotificationsModule } from '@consilium/notifications';
import { OpinionsModule } from '@consilium/opinions';
import { RecordsHttpModule } from '@consilium/records';
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
  static register(
    config: AppConfig,
    extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {},
    options: { domains?: boolean } = {},
  ): DynamicModule {
    const domains = options.domains ?? true;
    // Records: the patient's routes under /account, staff's under /console, one engine; who may touch which case's
    // files is the pipeline's answer (CaseRecordAccess); processing runs as `records-process` jobs.
    const records = domains
      ? [
          RecordsHttpModule.register({
            access: CaseRecordAccess,
            processing: 'jobs',
            imports: [CasesModule],
            mountAt: ['account', 'console'],
          }),
        ]
      : [];
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
        TenancyModule,
        MarketingModule,
        JobsModule,
        NotificationsModule,
        ...(domains
          ? [
              IdentityModule,
              CasesModule,
              IntakeModule,
              OpinionsModule,
              PaymentsModule,
              AnalyticsModule,
              IntegrationsModule,
              ConsultsHttpModule,
            ]
          : []),
        ...records,
        ...(extra.imports ?? []),
      ],
      providers: [...wiring, ...(extra.providers ?? [])],
      // The records engine is re-exported so the pipeline's pages (CaseRecords) can list a case's files.
      exports: [...wiring.map((w) => w.provide), ...records, ...(extra.providers ?? [])],
    };
  }
}
