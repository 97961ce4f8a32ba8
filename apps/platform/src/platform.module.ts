import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { AppConfig, CoreModule } from '@consilium/core';
import { JobsModule } from '@consilium/jobs';
import { MarketingModule } from '@consilium/marketing';
import { NotificationsModule } from '@consilium/notifications';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/** The HTTP process: patient sites, consoles, API, webhooks, health. */
@Module({})
export class PlatformModule {
  static register(config: AppConfig, extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {}): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [CoreModule.forRoot({ config, migrations: allMigrations, process: 'platform' }), TenancyModule, MarketingModule, JobsModule, NotificationsModule, ...(extra.imports ?? [])],
      providers: extra.providers ?? [],
      exports: extra.providers ?? [],
    };
  }
}
