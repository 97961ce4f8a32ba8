import { DynamicModule, Global, Module, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ConsoleHomeSections } from './web/console-home-sections';
import { LoggerModule } from 'nestjs-pino';
import { requestFacts } from '@consilium/telemetry';
import type { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { Clock } from './clock';
import { AppConfig } from './config/config';
import { RequestContext } from './context/request-context';
import { postgresOptions } from './database/data-source-options';
import { MigrationClass } from './database/migrator';
import { assertSafeRuntimeRole } from './database/runtime-role-check';
import { TenantDatabase } from './database/tenant-database';
import { MIGRATIONS } from './database/tokens';
import { ErrorFormats } from './errors/error-formats';
import { ConsiliumExceptionFilter } from './errors/exception-filter';
import { Translator } from './i18n/translator';
import { loggerParams, requestIdFor } from './logging/logging';
import { DatabaseMetrics } from './metrics/database-metrics';
import { HttpMetrics } from './metrics/http-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics-registry';
import { HealthProbe } from './web/health';
import { Lifecycle } from './web/lifecycle';
import { PageCache } from './web/page-cache';
import { RateLimitGuard, RateLimitSettlement } from './web/rate-limit/rate-limit.guard';
import { RateLimiter } from './web/rate-limit/rate-limiter';
import { PageInterceptor } from './web/page.interceptor';
import { StandInNotices } from './web/stand-in-notices';
import { RequestObserver } from './web/request-observer';
import { ViewRenderer } from './web/view-renderer';

export interface CoreOptions {
  config: AppConfig;
  migrations: MigrationClass[];
  /** Name shown in pg_stat_activity: platform, worker, cli. */
  process: string;
}

@Global()
@Module({})
export class CoreModule implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  static forRoot({ config, migrations, process }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ClsModule.forRoot({
          global: true,
          middleware: {
            mount: true,
            generateId: true,
            idGenerator: (req: IncomingMessage & { id?: string }) => req.id ?? requestIdFor(req),
            // The access log, written when the response ends (outside this context), reads the tenant and actor
            // from the same store the request filled in.
            setup: (cls, req: IncomingMessage) => {
              requestFacts(req).context = cls.get();
            },
          },
        }),
        LoggerModule.forRoot(loggerParams(config.raw.LOG_LEVEL)),
        TypeOrmModule.forRoot({
          ...postgresOptions({
            url: config.database.runtime,
            applicationName: `consilium-${process}`,
            poolSize: config.raw.DATABASE_POOL_SIZE,
            statementTimeoutMs: config.raw.DATABASE_STATEMENT_TIMEOUT_MS,
          }),
          autoLoadEntities: true,
          retryAttempts: 0,
        }),
      ],
      controllers: [MetricsController],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: MIGRATIONS, useValue: migrations },
        RequestContext,
        TenantDatabase,
        Clock,
        ViewRenderer,
        Translator,
        Lifecycle,
        PageCache,
        StandInNotices,
        MetricsRegistry,
        DatabaseMetrics,
        HttpMetrics,
        HealthProbe,
        RequestObserver,
        RateLimiter,
        RateLimitGuard,
        ErrorFormats,
        ConsoleHomeSections,
        { provide: APP_FILTER, useClass: ConsiliumExceptionFilter },
        // Settlement first, so it wraps the page flow and reads the status the page flow set (a redirect's 303).
        { provide: APP_INTERCEPTOR, useClass: RateLimitSettlement },
        { provide: APP_INTERCEPTOR, useClass: PageInterceptor },
      ],
      exports: [
        AppConfig,
        RequestContext,
        TenantDatabase,
        Clock,
        ViewRenderer,
        Translator,
        Lifecycle,
        PageCache,
        MetricsRegistry,
        HealthProbe,
        RequestObserver,
        DatabaseMetrics,
        RateLimiter,
        RateLimitGuard,
        ErrorFormats,
        ConsoleHomeSections,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    await assertSafeRuntimeRole(this.dataSource);
  }
}
