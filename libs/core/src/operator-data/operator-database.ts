import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/config';
import { poolOf, postgresOptions } from '../database/data-source-options';
import { setTenant } from '../database/tenant-setting';
import { DatabaseMetrics } from '../metrics/database-metrics';

export class OperatorPathUnavailable extends Error {
  override name = 'OperatorPathUnavailable';
  constructor() {
    super('The operator data path is not configured: set DATABASE_OPERATOR_URL (the consilium_operator role).');
  }
}

/**
 * The operator data path of DESIGN.md: its own role (BYPASSRLS, owns nothing) for onboarding tenants, the platform's
 * own tables (operators, their audit, reconciliation runs) and operators' cross-tenant reports. Provided only by
 * OperatorDataModule; the files that use it are listed, each with its reason, in test/architecture. Work on one
 * tenant's rows belongs on TenantDatabase.forTenant, where row-level security applies.
 */
@Injectable()
export class OperatorDatabase implements OnApplicationShutdown {
  private dataSource?: Promise<DataSource>;
  private connected?: DataSource;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly runtime: DataSource,
    metrics: DatabaseMetrics,
  ) {
    metrics.track('operator', () => this.pool());
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.connection().then((ds) => ds.transaction(work));
  }

  forTenant<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await setTenant(tx, tenantId);
      return work(tx);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource) await (await this.dataSource).destroy().catch(() => undefined);
  }

  /** The operator path's pg pool once it has connected (for pool metrics); undefined until first use. */
  pool(): Pool | undefined {
    return poolOf(this.connected);
  }

  private connection(): Promise<DataSource> {
    const url = this.config.database.operator;
    if (!url) return Promise.reject(new OperatorPathUnavailable());
    // The same entities as the runtime connection (the libs register them there).
    const entities = this.runtime.entityMetadatas.map((m) => m.target);
    this.dataSource ??= new DataSource(postgresOptions({ url, applicationName: 'consilium-operator', poolSize: 4, entities }))
      .initialize()
      .then((ds) => (this.connected = ds));
    return this.dataSource;
  }
}
