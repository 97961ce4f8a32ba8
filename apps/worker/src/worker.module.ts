import { DynamicModule, Module } from '@nestjs/common';
import { AnalyticsModule } from '@consilium/analytics';
import { CasesModule } from '@consilium/cases';
import { ConsultsModule } from '@consilium/consults';
import { WebhooksModule } from '@consilium/integrations';
import { AppConfig, CoreModule } from '@consilium/core';
import { JobsModule } from '@consilium/jobs';
import { NotificationsModule } from '@consilium/notifications';
import { RecordsModule } from '@consilium/records';
import { TenancyModule } from '@consilium/tenancy';
import { allMigrations } from '../../../migrations';

/** The background process: job handlers only, no HTTP listener. Each lib's module brings its handlers. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      // CasesModule brings the assignment-deadline handler (reminders, missed deadlines); AnalyticsModule the rollup refresh;
      // WebhooksModule turns case events into webhook deliveries and delivers them.
      imports: [
        CoreModule.forRoot({ config, migrations: allMigrations, process: 'worker' }),
        TenancyModule,
        JobsModule,
        NotificationsModule,
        RecordsModule.register({ processing: 'jobs' }),
        CasesModule,
        AnalyticsModule,
        WebhooksModule,
        // Consult reminders.
        ConsultsModule,
      ],
    };
  }
}
