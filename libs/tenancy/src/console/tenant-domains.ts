import { Injectable } from '@nestjs/common';
import { AppConfig, first, NotFound, OperatorDatabase } from '@consilium/core';
import { EntityManager } from 'typeorm';
import { TenantDomain } from '../tenant-domain.entity';
import { Tenant } from '../tenant.entity';

const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export interface DomainListing {
  host: string;
  isPrimary: boolean;
  /** `<slug>.<platform domain>`: always served, so it cannot be removed. */
  isPlatformHost: boolean;
}

export type DomainEdit = { ok: true; changed: boolean } | { ok: false; field: string; error: string };

/**
 * An operator's edits of a hospital's hosts, through the operator data path (a host is platform-wide unique). The
 * tenant_domains trigger tells every instance, and `tenants export` writes the result as `domains:` and
 * `primary_domain:`, so a re-applied blueprint keeps them.
 */
@Injectable()
export class TenantDomains {
  constructor(
    private readonly operatorDb: OperatorDatabase,
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
    if (!HOSTNAME.test(host))
      return Promise.resolve({ ok: false, field: 'host', error: 'Enter a host name such as secondopinion.example.org.' });
    if (host === this.config.operatorHost)
      return Promise.resolve({ ok: false, field: 'host', error: "That is the operator console's host." });
    return this.withTenant(slug, async (tx, tenant) => {
      const taken = await first<{ tenant_id: string }>(tx, 'SELECT tenant_id FROM tenant_domains WHERE host = $1', [host]);
      if (taken)
        return taken.tenant_id === tenant.id
          ? { ok: true, changed: false }
          : { ok: false, field: 'host', error: `${host} already belongs to another hospital.` };
      await tx.insert(TenantDomain, { tenantId: tenant.id, host, isPrimary: false });
      return { ok: true, changed: true };
    });
  }

  remove(slug: string, host: string): Promise<DomainEdit> {
    return this.withTenant(slug, async (tx, tenant) => {
      const row = await tx.findOneBy(TenantDomain, { tenantId: tenant.id, host });
      if (!row) throw new NotFound();
      if (host === this.config.platformHostFor(slug))
        return { ok: false, field: 'domains', error: `${host} is the hospital's platform address and always answers.` };
      if (row.isPrimary) return { ok: false, field: 'domains', error: `${host} is the primary domain: make another one primary first.` };
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

  private withTenant<T>(slug: string, work: (tx: EntityManager, tenant: Tenant) => Promise<T>): Promise<T> {
    return this.operatorDb.transaction(async (tx) => {
      const tenant = await tx.findOneBy(Tenant, { slug });
      if (!tenant) throw new NotFound();
      await tx.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant.id]);
      return work(tx, tenant);
    });
  }
}
