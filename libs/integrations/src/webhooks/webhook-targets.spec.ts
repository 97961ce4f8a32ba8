import { AppConfig } from '@consilium/core';
import { isPublicAddress } from '@consilium/core';
import { WebhookTargets } from './webhook-targets';

const targets = (webhooks: Partial<AppConfig['webhooks']>) =>
  new WebhookTargets({ webhooks: { allowPrivateTargets: false, requireHttps: true, ...webhooks } } as AppConfig);

describe('where webhooks may go (the SSRF guard)', () => {
  const production = targets({});

  it('refuses loopback, private, link-local and other non-public addresses, as literals and as names', async () => {
    for (const url of [
      'https://127.0.0.1/hooks',
      'https://10.1.2.3/hooks',
      'https://172.20.0.1/hooks',
      'https://192.168.1.10/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hooks',
      'https://[::1]/hooks',
      'https://[fd00::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://localhost/hooks',
      'https://ehr.localhost/hooks',
      'https://0.0.0.0/hooks',
    ])
      expect({ url, refusal: await production.refusal(url) }).toEqual({ url, refusal: 'private' });
  });

  it('refuses http:// where https is required, and anything that is not a plain http(s) URL', async () => {
    expect(await production.refusal('http://93.184.216.34/hooks')).toBe('https');
    expect(await production.refusal('ftp://93.184.216.34/hooks')).toBe('url');
    expect(await production.refusal('https://user:pw@93.184.216.34/hooks')).toBe('url');
    expect(await production.refusal('not a url')).toBe('url');
  });

  it('lets a public address through, and private ones only where configured (tests, the embedded default)', async () => {
    expect(await production.refusal('https://93.184.216.34/hooks')).toBeNull();
    expect(await targets({ allowPrivateTargets: true, requireHttps: false }).refusal('http://127.0.0.1:4000/hooks')).toBeNull();
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2606:4700::1111')).toBe(true);
    expect(isPublicAddress('fe80::1')).toBe(false);
  });
});
