import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CoreModule } from '@consilium/core';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/** The background process: job handlers only, no HTTP listener. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot({ config, migrations: allMigrations, process: 'worker' }), TenancyModule],
    };
  }
}
