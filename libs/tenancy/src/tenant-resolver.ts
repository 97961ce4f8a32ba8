import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AppConfig, first, PageCache, TenantDatabase } from '@consilium/core';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Branding, TenantProfile, TenantSettings } from './branding';
import { TENANT_CHANGED_CHANNEL, TenantChangeFeed } from './cache/tenant-change-feed';
import { ResolvedTenant } from './resolved-tenant';
import type { TenantStatus } from './tenant.entity';

/** Unknown hosts are remembered too (bots probe many); past this many, the negative cache starts over. */
const MAX_NEGATIVE = 10000;

/** Until a blueprint says otherwise, a hospital declines what it cannot serve directly. */
const DEFAULT_SETTINGS: TenantSettings = { licensure: { unlicensedStates: 'decline', international: 'decline' } };

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  case_prefix: string;
  default_locale: string;
  time_zone: string;
  currency: string;
  branding: Branding;
  profile: TenantProfile;
  settings: TenantSettings;
  primary_host: string | null;
  assets: Record<string, string> | null;
}

/**
 * Host -> tenant, cached in memory. Every write to tenants, tenant_domains or tenant_assets fires a NOTIFY (a trigger
 * in the foundation migration); the change feed tells every instance, which drops what changed, so a domain added on
 * one instance resolves on all of them within milliseconds. While the feed is down nothing is cached.
 */
@Injectable()
export class TenantResolver {
  private readonly byHost = new Map<string, Promise<ResolvedTenant | null>>();
  private readonly negative = new Set<string>();
  private readonly byTenantId = new Map<string, Promise<ResolvedTenant | null>>();
  /** Bumped by every invalidation: a lookup that overlapped one is not kept, it may have read the old state. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly db: TenantDatabase,
    private readonly config: AppConfig,
    private readonly feed: TenantChangeFeed,
    @Optional() private readonly pages?: PageCache,
  ) {
    feed.on(TENANT_CHANGED_CHANNEL, (tenantId) => this.invalidate(tenantId));
  }

  resolve(host: string): Promise<ResolvedTenant | null> {
    const cached = this.byHost.get(host);
    if (cached) return cached;
    const lookup = this.lookup(host).catch((error) => {
      this.byHost.delete(host);
      throw error;
    });
    if (this.feed.listening) {
      const generation = this.generation;
      this.byHost.set(host, lookup);
      void lookup.then(
        (tenant) => {
          if (this.generation !== generation) {
            if (this.byHost.get(host) === lookup) this.byHost.delete(host);
            return;
          }
          if (tenant) return;
          this.negative.add(host);
          if (this.negative.size > MAX_NEGATIVE) this.dropNegative();
        },
        () => undefined,
      );
    }
    return lookup;
  }

  /** A tenant by id, for work that knows the tenant but has no host (jobs). Cached and invalidated like hosts. */
  byId(tenantId: string): Promise<ResolvedTenant | null> {
    const cached = this.byTenantId.get(tenantId);
    if (cached) return cached;
    const lookup = this.load(tenantId).catch((error) => {
      this.byTenantId.delete(tenantId);
      throw error;
    });
    if (this.feed.listening) {
      const generation = this.generation;
      this.byTenantId.set(tenantId, lookup);
      void lookup.then(
        (tenant) => {
          if ((this.generation !== generation || !tenant) && this.byTenantId.get(tenantId) === lookup) this.byTenantId.delete(tenantId);
        },
        () => undefined,
      );
    }
    return lookup;
  }

  /**
   * Drops everything cached for a tenant, its whole pages included, and every unknown host (one of them may now be
   * that tenant's).
   */
  invalidate(tenantId?: string): void {
    this.pages?.clear(tenantId);
    this.generation++;
    if (!tenantId) {
      this.byTenantId.clear();
      this.byHost.clear();
      this.negative.clear();
      return;
    }
    this.byTenantId.delete(tenantId);
    for (const [host, entry] of this.byHost) {
      void entry.then(
        (t) => {
          if (t?.id === tenantId && this.byHost.get(host) === entry) this.byHost.delete(host);
        },
        () => undefined,
      );
    }
    this.dropNegative();
  }

  private dropNegative(): void {
    for (const host of this.negative) this.byHost.delete(host);
    this.negative.clear();
  }

  private async lookup(host: string): Promise<ResolvedTenant | null> {
    // The host_lookup policy lets the runtime role read host -> tenant_id before a tenant is known.
    const domain = await first<{ tenant_id: string }>(this.dataSource, 'SELECT tenant_id FROM tenant_domains WHERE host = $1', [host]);
    if (!domain) return null;
    return this.load(domain.tenant_id);
  }

  private async load(tenantId: string): Promise<ResolvedTenant | null> {
    // One statement for the tenant, its primary host and its asset hashes: a cold lookup is a few round trips.
    const [row]: TenantRow[] = await this.db.forTenant(tenantId, (tx) =>
      tx.query(
        `SELECT t.id, t.slug, t.name, t.status, t.case_prefix, t.default_locale, t.time_zone, t.currency::text AS currency,
                t.branding, t.profile, t.settings,
                (SELECT d.host FROM tenant_domains d WHERE d.tenant_id = t.id AND d.is_primary) AS primary_host,
                (SELECT jsonb_object_agg(a.name, a.sha256) FROM tenant_assets a WHERE a.tenant_id = t.id) AS assets
           FROM tenants t WHERE t.id = $1`,
        [tenantId],
      ),
    );
    if (!row) return null;
    const profile = row.profile ?? {};
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status,
      casePrefix: row.case_prefix,
      defaultLocale: row.default_locale,
      timeZone: row.time_zone,
      currency: row.currency.trim(),
      branding: row.branding,
      profile,
      settings: { ...DEFAULT_SETTINGS, ...row.settings },
      locales: profile.locales?.length ? profile.locales : [row.default_locale],
      primaryHost: row.primary_host ?? this.config.platformHostFor(row.slug),
      assets: row.assets ?? {},
      themeVersion: createHash('sha256').update(JSON.stringify(row.branding)).digest('hex').slice(0, 12),
    };
  }
}
