import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AppConfig, TenantDatabase } from '@consilium/core';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ResolvedTenant } from './resolved-tenant';
import { TenantAsset } from './tenant-asset.entity';
import { TenantDomain } from './tenant-domain.entity';
import { Tenant } from './tenant.entity';

export const TENANT_CHANGED_CHANNEL = 'consilium_tenant_changed';
/** Unknown hosts are remembered too (bots probe many); past this many, the negative cache starts over. */
const MAX_NEGATIVE = 10000;

/**
 * Host -> tenant, cached in memory. Every write to tenants, tenant_domains or tenant_assets fires a NOTIFY (a trigger
 * in the foundation migration); every instance LISTENs and drops what changed, so a domain added on one instance
 * resolves on all of them within milliseconds. While the LISTEN connection is down nothing is cached.
 */
@Injectable()
export class TenantResolver implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantResolver.name);
  private readonly byHost = new Map<string, Promise<ResolvedTenant | null>>();
  private readonly negative = new Set<string>();
  private listener?: Client;
  private listening = false;
  private stopped = false;
  private reconnectDelay = 250;
  /** Bumped by every invalidation: a lookup that overlapped one is not kept, it may have read the old state. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly db: TenantDatabase,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.listener?.end().catch(() => undefined);
  }

  resolve(host: string): Promise<ResolvedTenant | null> {
    const cached = this.byHost.get(host);
    if (cached) return cached;
    const lookup = this.lookup(host).catch((error) => {
      this.byHost.delete(host);
      throw error;
    });
    if (this.listening) {
      const generation = this.generation;
      this.byHost.set(host, lookup);
      void lookup.then((tenant) => {
        if (this.generation !== generation) {
          if (this.byHost.get(host) === lookup) this.byHost.delete(host);
          return;
        }
        if (tenant) return;
        this.negative.add(host);
        if (this.negative.size > MAX_NEGATIVE) this.dropNegative();
      }, () => undefined);
    }
    return lookup;
  }

  /** Drops everything cached for a tenant, and every unknown host (one of them may now be that tenant's). */
  invalidate(tenantId?: string): void {
    this.generation++;
    if (!tenantId) {
      this.byHost.clear();
      this.negative.clear();
      return;
    }
    for (const [host, entry] of this.byHost) {
      void entry.then((t) => {
        if (t?.id === tenantId && this.byHost.get(host) === entry) this.byHost.delete(host);
      }, () => undefined);
    }
    this.dropNegative();
  }

  private dropNegative(): void {
    for (const host of this.negative) this.byHost.delete(host);
    this.negative.clear();
  }

  private async lookup(host: string): Promise<ResolvedTenant | null> {
    // The host_lookup policy lets the runtime role read host -> tenant_id before a tenant is known.
    const [domain] = await this.dataSource.query('SELECT tenant_id FROM tenant_domains WHERE host = $1', [host]);
    if (!domain) return null;
    return this.db.forTenant(domain.tenant_id, async (tx) => {
      const tenant = await tx.findOneBy(Tenant, { id: domain.tenant_id });
      if (!tenant) return null;
      const domains = await tx.find(TenantDomain, { where: { tenantId: tenant.id }, order: { createdAt: 'ASC' } });
      const assets = await tx.find(TenantAsset, { select: { name: true, sha256: true }, where: { tenantId: tenant.id } });
      const primary = domains.find((d) => d.isPrimary)?.host ?? this.config.platformHostFor(tenant.slug);
      const resolved: ResolvedTenant = {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        status: tenant.status,
        casePrefix: tenant.casePrefix,
        defaultLocale: tenant.defaultLocale,
        timeZone: tenant.timeZone,
        currency: tenant.currency.trim(),
        branding: tenant.branding,
        profile: tenant.profile,
        primaryHost: primary,
        assets: Object.fromEntries(assets.map((a) => [a.name, a.sha256])),
        themeVersion: createHash('sha256').update(JSON.stringify(tenant.branding)).digest('hex').slice(0, 12),
      };
      return resolved;
    });
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.database.runtime, application_name: 'consilium-tenant-listener' });
    client.on('notification', (message) => this.invalidate(message.payload || undefined));
    client.on('error', (error) => this.onListenerLost(client, error));
    client.on('end', () => this.onListenerLost(client));
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${TENANT_CHANGED_CHANNEL}`);
      this.listening = true;
      this.reconnectDelay = 250;
    } catch (error) {
      await client.end().catch(() => undefined);
      this.onListenerLost(client, error);
    }
  }

  private onListenerLost(client: Client, error?: unknown): void {
    if (this.stopped || this.listener !== client) return;
    if (this.listening) this.logger.warn({ err: error }, 'tenant change listener lost; caching paused until it reconnects');
    this.listening = false;
    this.listener = undefined;
    this.invalidate();
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, 10000);
    setTimeout(() => void this.listen(), delay).unref();
  }
}
