import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ClsService } from 'nestjs-cls';
import { DataSource, EntityManager } from 'typeorm';
import { ConsiliumStore, RequestContext } from '../context/request-context';
import { InvalidTenantId, isTenantId, setTenant } from './tenant-setting';

/**
 * A programming error, never a user's: work for one hospital was asked for inside a request of another. Not a
 * DomainError, so it is a 500 and its message stays in the log.
 */
export class TenantContextMismatch extends Error {
  override name = 'TenantContextMismatch';
  constructor() {
    super("This request belongs to another tenant: forTenant() takes only the request's own tenant inside a request.");
  }
}

/**
 * The only way services touch tenant tables. Each call is one transaction that first sets `app.tenant_id` (`SET LOCAL`, see tenant-setting.ts), which
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

  /**
   * Runs `work` in a transaction with no tenant set, on the same runtime role: row-level security shows no tenant's
   * rows, so only platform tables (sign-in throttling) and the lookups that find a tenant before it is known (a host,
   * a sender's From address: each table's own SELECT policy, listed in the isolation test) answer. Never joins an
   * open tenant transaction.
   */
  withoutTenant<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'inherit' }, () => {
      this.cls.set('tenantTx', undefined);
      return this.dataSource.transaction(work);
    });
  }

  /**
   * Runs `work` for an explicit tenant: jobs (the id travels in the payload), the CLI, the operator host (which has
   * no tenant of its own), tests. Inside a hospital's request it accepts only that hospital: a tenant id read from
   * a form or a URL can never open another hospital's rows.
   */
  forTenant<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const requestTenant = this.cls.isActive() ? this.cls.get('tenant') : undefined;
    if (requestTenant && requestTenant.id !== tenantId) return Promise.reject(new TenantContextMismatch());
    // Refused before any connection is taken: an id that is not a UUID never reaches SQL (see tenant-setting.ts).
    if (!isTenantId(tenantId)) return Promise.reject(new InvalidTenantId());
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
        await setTenant(manager, tenantId);
        this.cls.set('tenantTx', { tenantId, manager });
        return work(manager);
      }),
    );
  }
}
