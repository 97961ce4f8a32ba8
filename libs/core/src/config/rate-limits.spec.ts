import { ConfigError, loadConfig } from './config';
import { defaultRateLimits, parseRateLimits } from './rate-limits';

describe('abuse limits configuration', () => {
  it('has production defaults with no setting', () => {
    const rules = loadConfig({}).rateLimits;
    expect(rules['sign-up']).toEqual({ ip: { count: 20, windowSeconds: 3600 }, address: { count: 5, windowSeconds: 3600 } });
    expect(rules['second-factor'].actor).toEqual({ count: 5, windowSeconds: 900 });
  });

  it('overrides one limit, every limit per subject, or turns one off; later entries win', () => {
    const { rules, problems } = parseRateLimits('*.ip=1000/1d, sign-up.ip=3/10m, sign-in.address=off');
    expect(problems).toEqual([]);
    expect(rules['sign-up'].ip).toEqual({ count: 3, windowSeconds: 600 });
    expect(rules['password-reset'].ip).toEqual({ count: 1000, windowSeconds: 86400 });
    expect(rules['sign-in'].address).toBeUndefined();
    // A wildcard never adds a subject a limit is not kept per.
    expect(rules.messages).toEqual(defaultRateLimits().messages);
  });

  it('turns every limit off with *.*=off (the security scan does, to reach the code behind them)', () => {
    const { rules, problems } = parseRateLimits('*.*=off');
    expect(problems).toEqual([]);
    expect(Object.values(rules).every((r) => Object.keys(r).length === 0)).toBe(true);
  });

  it.each([
    ['sign-on.ip=5/1h', 'a limit among'],
    ['sign-up.ip=5 per hour', 'like 5/1h'],
    ['sign-up.ip=0/1h', 'like 5/1h'],
    ['messages.ip=5/1h', 'kept per actor, not per ip'],
    ['sign-up', 'expected <limit>.<subject>'],
  ])('stops boot on %s, naming RATE_LIMITS', (value, words) => {
    expect(() => loadConfig({ RATE_LIMITS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMITS: value })).toThrow(new RegExp(`RATE_LIMITS: .*${words.replace(/[.*<>]/g, '.')}`));
  });
});
