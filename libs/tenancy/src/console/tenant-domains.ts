import { Injectable } from '@nestjs/common';
import { AppConfig, first, MessageRef, msg, NotFound, TenantDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { TenantDomain } from '../tenant-domain.entity';
import { TenantDirectory } from '../tenant-directory';
import { Tenant } from '../tenant.entity';

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export interface DomainListing {
  host: string;
  isPrimary: boolean;
  /** `<slug>.<platform domain>`: always served, so it cannot be removed. */
  isPlatformHost: boolean;
}

export type DomainEdit = { ok: true; changed: boolean } | { ok: false; field: string; error: MessageRef };

/**
 * An operator's edits of a hospital's hosts, in that hospital's own transaction: whether a host is already taken
 * by another is the one question tenant_domains' host_lookup policy answers across hospitals. The
 * tenant_domains trigger tells every instance, and `tenants export` writes the result as `domains:` and
 * `primary_domain:`, so a re-applied blueprint keeps them.
 */
@Injectable()
export class TenantDomains {
  constructor(
    private readonly db: TenantDatabase,
    private readonly directory: TenantDirectory,
    private readonly config: AppConfig,
  ) {}

  list(slug: string): Promise<DomainListing[]> {
    return this.withTenant(slug, async (tx, tenant) =>
      (await tx.find(TenantDomain, { where: { tenantId: tenant.id }, order: { isPrimary: 'DESC', host: 'ASC' } })).map((d) => ({
        host: d.host,
        isPrimary: d.isPrimary,
        isPlatformHost: d.host === this.config.platformHostFor(slug),
      })),
    );
  }

  add(slug: string, rawHost: string): Promise<DomainEdit> {
    const host = rawHost.trim().toLowerCase().replace(/\.$/, '');
    if (!HOSTNAME.test(host)) return Promise.resolve({ ok: false, field: 'host', error: msg('site.operator.hostInvalid') });
    if (host === this.config.operatorHost) return Promise.resolve({ ok: false, field: 'host', error: msg('site.operator.hostIsOperator') });
    return this.withTenant(slug, async (tx, tenant) => {
      const taken = await first<{ tenant_id: string }>(tx, 'SELECT tenant_id FROM tenant_domains WHERE host = $1', [host]);
      if (taken)
        return taken.tenant_id === tenant.id
          ? { ok: true, changed: false }
          : { ok: false, field: 'host', error: msg('site.operator.hostTaken', { host }) };
      await tx.insert(TenantDomain, { tenantId: tenant.id, host, isPrimary: false });
      return { ok: true, changed: true };
    });
  }

  remove(slug: string, host: string): Promise<DomainEdit> {
    return this.withTenant(slug, async (tx, tenant) => {
      const row = await tx.findOneBy(TenantDomain, { tenantId: tenant.id, host });
      if (!row) throw new NotFound();
      if (host === this.config.platformHostFor(slug))
        return { ok: false, field: 'domains', error: msg('site.operator.hostIsPlatform', { host }) };
      if (row.isPrimary) return { ok: false, field: 'domains', error: msg('site.operator.hostIsPrimary', { host }) };
      await tx.delete(TenantDomain, { tenantId: tenant.id, id: row.id });
      return { ok: true, changed: true };
    });
  }

  makePrimary(slug: string, host: string): Promise<DomainEdit> {
    return this.withTenant(slug, async (tx, tenant) => {
      const row = await tx.findOneBy(TenantDomain, { tenantId: tenant.id, host });
      if (!row) throw new NotFound();
      if (row.isPrimary) return { ok: true, changed: false };
      // One primary per tenant (a partial unique index): clear the old one first.
      await tx.update(TenantDomain, { tenantId: tenant.id, isPrimary: true }, { isPrimary: false });
      await tx.update(TenantDomain, { tenantId: tenant.id, id: row.id }, { isPrimary: true });
      return { ok: true, changed: true };
    });
  }

  private async withTenant<T>(slug: string, work: (tx: EntityManager, tenant: Tenant) => Promise<T>): Promise<T> {
    const tenantId = await this.directory.idOf(slug);
    if (!tenantId) throw new NotFound();
    return this.db.forTenant(tenantId, async (tx) => {
      const tenant = await tx.findOneBy(Tenant, { id: tenantId });
      if (!tenant) throw new NotFound();
      return work(tx, tenant);
    });
  }
}
