import type { Pool } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

export interface ConnectionOptions {
  url: string;
  applicationName: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  entities?: DataSourceOptions['entities'];
  migrations?: DataSourceOptions['migrations'];
}

/** One place for how we talk to PostgreSQL; every connection (runtime, owner, operator) is built here. */
export function postgresOptions(options: ConnectionOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built in; the runtime role may not create extensions (STACK.md).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs ?? 15000,
      // Fail fast when the database is away, rather than queueing requests behind a dead pool.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
    },
  };
}

/** TypeORM's Postgres driver keeps its pg Pool as `master` (untyped); none before initialisation or after destroy. */
export function poolOf(dataSource: DataSource | undefined): Pool | undefined {
  if (!dataSource?.isInitialized) return undefined;
  return (dataSource.driver as unknown as { master?: Pool }).master;
}
