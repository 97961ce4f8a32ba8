import { ConfigError, loadConfig } from './config';

describe('configuration', () => {
  it('boots on the embedded default with nothing set', () => {
    const config = loadConfig({});
    expect(config.embedded).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.migrateOnBoot).toBe(true);
    expect(config.operatorHost).toBe('admin.localhost');
    expect(config.originFor('lakeshore.localhost')).toBe('http://lakeshore.localhost:3000');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '12' }, 'TRUST_PROXY'],
    [{ PLATFORM_DOMAIN: 'Not A Domain' }, 'PLATFORM_DOMAIN'],
    [
      { DATABASE_URL: 'postgres://u:p@h/db', APP_SECRET: Buffer.alloc(32).toString('base64'), MIGRATE_ON_BOOT: 'true' },
      'DATABASE_OWNER_URL',
    ],
    [{ DATABASE_URL: 'postgres://u:p@h/db' }, 'APP_SECRET'],
    [{ APP_SECRET: 'c2hvcnQ=' }, 'APP_SECRET'],
  ])('stops on %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });

  it('reads TRUST_PROXY as the number of proxies in front', () => {
    expect(loadConfig({}).proxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).proxyHops).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).proxyHops).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).proxyHops).toBe(0);
  });

  it('never echoes a value, which may be a secret', () => {
    expect(() => loadConfig({ DATABASE_URL: 'https://user:s3cret@host/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  it('uses an external database when DATABASE_URL is set, without migrating on boot unless asked', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:x@db.internal:5432/consilium',
      APP_SECRET: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(config.embedded).toBe(false);
    expect(config.migrateOnBoot).toBe(false);
    expect(config.applyTenantsOnBoot).toBe(false);
    expect(config.database.runtime).toBe('postgres://app:x@db.internal:5432/consilium');
  });
});
