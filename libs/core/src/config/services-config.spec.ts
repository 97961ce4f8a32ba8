import { ConfigError, loadConfig } from './config';

const external = {
  DATABASE_URL: 'postgres://consilium_app:x@db.internal:5432/consilium',
  APP_SECRET: Buffer.alloc(32, 7).toString('base64'),
  FILES_MASTER_KEY: Buffer.alloc(32, 8).toString('base64'),
};
const real = {
  STRIPE_SECRET_KEY: 'sk_live_abc123',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
  SES_REGION: 'eu-west-1',
  S3_BUCKET: 'consilium-records',
  SMS_REGION: 'eu-west-1',
};
const platform = (env: Record<string, string>) => loadConfig(env, { services: true });
const problems = (env: Record<string, string>): string[] => {
  try {
    platform(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

describe('payments, email, record files and texts: a real service or a deliberate stand-in', () => {
  it('runs the embedded default on the four stand-ins, and says so', () => {
    const config = platform({});
    expect(config.services).toEqual({ payments: 'demo', email: 'outbox', records: 'local', sms: 'outbox' });
    expect(config.standIns).toEqual(['payments', 'email', 'records', 'sms']);
    expect(config.sms.transport).toBe('outbox');
  });

  it('follows what is set in development: a key means the real service', () => {
    const config = platform(real);
    expect(config.services).toEqual({ payments: 'stripe', email: 'ses', records: 's3', sms: 'pinpoint' });
    expect(config.sms.transport).toBe('pinpoint');
    expect(config.standIns).toEqual([]);
  });

  it('refuses a production boot with nothing set, naming every missing variable in one message', () => {
    const found = problems({ ...external, NODE_ENV: 'production' });
    expect(found.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'SES_REGION',
      'S3_BUCKET',
      'SMS_REGION',
    ]);
    expect(found[0]).toMatch(/demo checkout, where no money moves; to choose that deliberately, set PAYMENTS_PROVIDER=demo/);
    expect(found[2]).toMatch(/EMAIL_TRANSPORT=outbox/);
    expect(found[3]).toMatch(/RECORDS_STORAGE=local/);
    // A production without a texting provider would have put every opted-in patient's texts in a file on one server.
    expect(found[4]).toMatch(
      /texts patients opted into would go to a local outbox and reach nobody; to choose that deliberately, set SMS_TRANSPORT=outbox/,
    );
    expect(() => platform({ ...external, NODE_ENV: 'production' })).toThrow(/Configuration error:\n {2}- STRIPE_SECRET_KEY/);
  });

  it.each([
    ['STRIPE_SECRET_KEY', { STRIPE_SECRET_KEY: '' }],
    ['SES_REGION', { SES_REGION: '' }],
    ['S3_BUCKET', { S3_BUCKET: '' }],
    ['SMS_REGION', { SMS_REGION: '' }],
  ])('refuses a production boot without %s alone', (name, missing) => {
    expect(problems({ ...external, ...real, ...missing, NODE_ENV: 'production' }).map((p) => p.slice(0, p.indexOf(':')))).toEqual([name]);
  });

  it('boots in production on a deliberate choice of each stand-in, which every console then shows', () => {
    const config = platform({
      ...external,
      NODE_ENV: 'production',
      PAYMENTS_PROVIDER: 'demo',
      EMAIL_TRANSPORT: 'outbox',
      RECORDS_STORAGE: 'local',
      SMS_TRANSPORT: 'outbox',
    });
    expect(config.standIns).toEqual(['payments', 'email', 'records', 'sms']);
    expect(platform({ ...external, ...real, NODE_ENV: 'production', EMAIL_TRANSPORT: 'outbox' }).standIns).toEqual(['email']);
  });

  it('takes an explicit real service at its word anywhere, and names what it lacks', () => {
    expect(problems({ PAYMENTS_PROVIDER: 'stripe' })).toEqual([
      'STRIPE_SECRET_KEY: must be set when PAYMENTS_PROVIDER is stripe',
      'STRIPE_WEBHOOK_SECRET: must be set when PAYMENTS_PROVIDER is stripe',
    ]);
    expect(problems({ RECORDS_STORAGE: 's3' })).toEqual(['S3_BUCKET: must be set when RECORDS_STORAGE is s3']);
    expect(problems({ SMS_TRANSPORT: 'pinpoint' })).toEqual(['SMS_REGION: must be set when SMS_TRANSPORT is pinpoint']);
  });

  it('lists a malformed value together with the missing services, never echoing a value', () => {
    const found = problems({ ...external, NODE_ENV: 'production', PAYMENTS_PROVIDER: 'paypal', PORT: 'x' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^PAYMENTS_PROVIDER: must be stripe or demo/),
        expect.stringMatching(/^SES_REGION: /),
        expect.stringMatching(/^S3_BUCKET: /),
      ]),
    );
    expect(found.join('\n')).not.toContain('paypal');
  });

  it('asks the CLI for none of it: a migration job holds no Stripe key', () => {
    expect(loadConfig({ ...external, NODE_ENV: 'production' }).services.payments).toBe('stripe');
  });

  it('needs FILES_MASTER_KEY in the platform and the worker with an external database', () => {
    expect(problems({ ...external, ...real, FILES_MASTER_KEY: '' })).toEqual([expect.stringMatching(/^FILES_MASTER_KEY: must be set/)]);
  });
});

describe('the key that signs opinion letters', () => {
  it('is never made up in production: without LETTER_SIGNING_P12 the letter is refused, not signed by a demo key', () => {
    const config = loadConfig({ ...external, NODE_ENV: 'production' });
    expect(() => config.letterSigningKey).toThrow(ConfigError);
    try {
      void config.letterSigningKey;
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^LETTER_SIGNING_P12: must be set in production/)]);
    }
  });

  it('is the one provided, with its passphrase', () => {
    const p12 = Buffer.alloc(200, 5).toString('base64');
    const config = loadConfig({ ...external, NODE_ENV: 'production', LETTER_SIGNING_P12: p12, LETTER_SIGNING_P12_PASSPHRASE: 'pw' });
    expect(config.letterSigningKey).toEqual({ p12: Buffer.from(p12, 'base64'), passphrase: 'pw', demo: false });
  });
});
