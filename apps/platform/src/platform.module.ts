import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CoreModule } from '@consilium/core';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/** The HTTP process: patient sites, consoles, API, webhooks, health. */
@Module({})
export class PlatformModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [CoreModule.forRoot({ config, migrations: allMigrations, process: 'platform' }), TenancyModule],
    };
  }
}
