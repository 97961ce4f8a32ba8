import { ConfigError, loadConfig } from './config';

describe('email and jobs configuration', () => {
  it('uses the local outbox and runs jobs in the platform in the embedded default', () => {
    const config = loadConfig({});
    expect(config.email).toMatchObject({ transport: 'outbox', snsTopicArns: [] });
    expect(config.email.outboxDir).toMatch(/\.data\/outbox$/);
    expect(config.jobs).toEqual({ runInPlatform: true, concurrency: 4, pollMs: 2000, maintenanceSeconds: 60, stopTimeoutMs: 25000 });
  });

  it('sends through SES when a region is set, and runs jobs only in workers with an external database', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:x@db/consilium',
      APP_SECRET: Buffer.alloc(32, 7).toString('base64'),
      SES_REGION: 'eu-west-1',
    });
    expect(config.email.transport).toBe('ses');
    expect(config.jobs.runInPlatform).toBe(false);
    expect(loadConfig({ SES_REGION: 'eu-west-1', EMAIL_TRANSPORT: 'outbox' }).email.transport).toBe('outbox');
  });

  it('reads the SNS topics it accepts bounces from', () => {
    const arns = 'arn:aws:sns:us-east-1:123456789012:ses-feedback, arn:aws:sns:eu-west-1:123456789012:other';
    expect(loadConfig({ SES_SNS_TOPIC_ARNS: arns }).email.snsTopicArns).toEqual([
      'arn:aws:sns:us-east-1:123456789012:ses-feedback',
      'arn:aws:sns:eu-west-1:123456789012:other',
    ]);
  });

  it('needs SES_REGION for SES, in the processes that send (the platform and the worker)', () => {
    expect(() => loadConfig({ EMAIL_TRANSPORT: 'ses' }, { services: true })).toThrow(/SES_REGION: must be set when EMAIL_TRANSPORT is ses/);
    // A CLI run (a migration job) holds no SES setting and sends nothing.
    expect(loadConfig({ EMAIL_TRANSPORT: 'ses' }).email.transport).toBe('ses');
  });

  it.each([
    [{ SES_REGION: 'Virginia' }, 'SES_REGION'],
    [{ EMAIL_TRANSPORT: 'smtp' }, 'EMAIL_TRANSPORT'],
    [{ SES_ENDPOINT: 'ftp://x' }, 'SES_ENDPOINT'],
    [{ SES_SNS_TOPIC_ARNS: 'arn:aws:sqs:us-east-1:123456789012:q' }, 'SES_SNS_TOPIC_ARNS'],
    [{ JOBS_CONCURRENCY: '0' }, 'JOBS_CONCURRENCY'],
    [{ JOBS_POLL_SECONDS: '0.1' }, 'JOBS_POLL_SECONDS'],
  ])('stops on %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });
});
