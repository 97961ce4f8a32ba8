import { ChangeHandler, CONTENT_CHANGED_CHANNEL, TENANT_CHANGED_CHANNEL, TenantChangeFeed } from './tenant-change-feed';
import { TenantContentCache } from './tenant-content-cache';

/** The feed without PostgreSQL: tests send its notifications themselves. */
class FakeFeed {
  listening = true;
  readonly handlers = new Map<string, ChangeHandler[]>();
  on(channel: string, handler: ChangeHandler) {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }
  notify(channel: string, tenantId?: string) {
    for (const h of this.handlers.get(channel) ?? []) h(tenantId);
  }
}

describe('TenantContentCache', () => {
  let feed: FakeFeed;
  let cache: TenantContentCache;
  let loads: number;
  const load = (value: string) => () => {
    loads++;
    return Promise.resolve(value);
  };

  beforeEach(() => {
    feed = new FakeFeed();
    cache = new TenantContentCache(feed as unknown as TenantChangeFeed);
    loads = 0;
  });

  it('loads once per tenant and key, and again after that tenant content changes', async () => {
    expect(await cache.get('a', 'catalog', load('v1'))).toBe('v1');
    expect(await cache.get('a', 'catalog', load('v2'))).toBe('v1');
    expect(await cache.get('b', 'catalog', load('b1'))).toBe('b1');
    feed.notify(CONTENT_CHANGED_CHANNEL, 'a');
    expect(await cache.get('a', 'catalog', load('v3'))).toBe('v3');
    expect(await cache.get('b', 'catalog', load('b2'))).toBe('b1');
    feed.notify(TENANT_CHANGED_CHANNEL, 'b');
    expect(await cache.get('b', 'catalog', load('b3'))).toBe('b3');
    expect(loads).toBe(4);
  });

  it('does not keep a load that overlapped a change: it may have read the old content', async () => {
    let release!: (v: string) => void;
    const slow = cache.get('a', 'k', () => new Promise<string>((r) => (release = r)));
    feed.notify(CONTENT_CHANGED_CHANNEL, 'a');
    release('stale');
    expect(await slow).toBe('stale');
    expect(await cache.get('a', 'k', load('fresh'))).toBe('fresh');
  });

  it('caches nothing while the feed is down, and drops everything when it is lost', async () => {
    await cache.get('a', 'k', load('v1'));
    feed.notify(CONTENT_CHANGED_CHANNEL); // lost: no tenant id
    feed.listening = false;
    expect(await cache.get('a', 'k', load('v2'))).toBe('v2');
    expect(await cache.get('a', 'k', load('v3'))).toBe('v3');
  });

  it('forgets a failed load', async () => {
    await expect(cache.get('a', 'k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('a', 'k', load('v1'))).toBe('v1');
  });
});
