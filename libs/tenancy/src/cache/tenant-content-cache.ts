import { PageCache } from '@consilium/core';
import { Injectable, Optional } from '@nestjs/common';
import { CONTENT_CHANGED_CHANNEL, TENANT_CHANGED_CHANNEL, TenantChangeFeed } from './tenant-change-feed';

/** Tenants whose site content is held at once; past this, the least recently used one is dropped. */
const MAX_TENANTS = 1000;
/** Entries per tenant (snapshots, and one rendered page per language, path and day); past this, the oldest goes. */
const MAX_ENTRIES_PER_TENANT = 100;

interface TenantEntries {
  /** Bumped by every invalidation of this tenant: a load that overlapped one is not kept. */
  generation: number;
  values: Map<string, Promise<unknown>>;
}

/**
 * Tenant-scoped read models of the public site (catalog, roster, pages, and the pages' view models built from
 * them), kept in memory so that a page view costs no query. Dropped per tenant when any of its content or its
 * tenant row changes (LISTEN/NOTIFY, on every instance). Bounded, so 10,000 tenants do not mean 10,000 copies.
 */
@Injectable()
export class TenantContentCache {
  private readonly tenants = new Map<string, TenantEntries>();

  constructor(
    private readonly feed: TenantChangeFeed,
    @Optional() private readonly pages?: PageCache,
  ) {
    feed.on(CONTENT_CHANGED_CHANNEL, (tenantId) => this.invalidate(tenantId));
    feed.on(TENANT_CHANGED_CHANNEL, (tenantId) => this.invalidate(tenantId));
    // Whole pages in front of the framework: not used while changes cannot be heard.
    pages?.hearChangesWhile(() => feed.listening);
  }

  /** The cached value of `key` for the tenant, or `load()` (shared by concurrent callers). */
  get<T>(tenantId: string, key: string, load: () => Promise<T>): Promise<T> {
    if (!this.feed.listening) return load();
    let entries = this.tenants.get(tenantId);
    if (entries) {
      // Re-inserting keeps the Map in least-recently-used order.
      this.tenants.delete(tenantId);
      this.tenants.set(tenantId, entries);
    } else {
      entries = { generation: 0, values: new Map() };
      this.tenants.set(tenantId, entries);
      if (this.tenants.size > MAX_TENANTS) this.tenants.delete(this.tenants.keys().next().value!);
    }
    const cached = entries.values.get(key) as Promise<T> | undefined;
    if (cached) return cached;
    const generation = entries.generation;
    const pending = load();
    entries.values.set(key, pending);
    if (entries.values.size > MAX_ENTRIES_PER_TENANT) entries.values.delete(entries.values.keys().next().value!);
    const owner = entries;
    pending.then(
      () => {
        if (owner.generation !== generation && owner.values.get(key) === pending) owner.values.delete(key);
      },
      () => {
        if (owner.values.get(key) === pending) owner.values.delete(key);
      },
    );
    return pending;
  }

  /**
   * Drops a tenant's content and its whole pages (every tenant's with no id). Called on NOTIFY, and by an edit on this
   * instance at once, so the editor's very next request sees it without waiting for the NOTIFY to come back.
   */
  invalidate(tenantId?: string): void {
    this.pages?.clear(tenantId);
    if (!tenantId) {
      for (const entries of this.tenants.values()) entries.generation++;
      this.tenants.clear();
      return;
    }
    const entries = this.tenants.get(tenantId);
    if (!entries) return;
    entries.generation++;
    entries.values.clear();
  }
}
