import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import { DataSource, EntityManager } from 'typeorm';
import { ConsiliumStore, RequestContext } from '../context/request-context';

/**
 * The only way services touch tenant tables. Each call is one transaction that first sets `app.tenant_id`, which
 * the row-level security policies read; a nested call for the same tenant joins the open transaction.
 */
@Injectable()
export class TenantDatabase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cls: ClsService<ConsiliumStore>,
    private readonly context: RequestContext,
  ) {}

  /** Runs `work` for the tenant of the current request (throws when there is none). */
  async transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.forTenant(this.context.tenant().id, work);
  }

  /** Runs `work` for an explicit tenant: jobs (the id travels in the payload), the CLI, tests. */
  forTenant<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const open = this.cls.isActive() ? this.cls.get('tenantTx') : undefined;
    if (open) {
      if (open.tenantId !== tenantId) {
        throw new Error('A transaction for another tenant is already open in this context.');
      }
      return work(open.manager as EntityManager);
    }
    // A child context per transaction: concurrent siblings in one request never see each other's transaction.
    return this.cls.run({ ifNested: 'inherit' }, () =>
      this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        this.cls.set('tenantTx', { tenantId, manager });
        return work(manager);
      }),
    );
  }
}
