import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { enrolSecondFactor, expectSays, runCli } from '../support/cli';
import { createFreshDatabase, FreshDatabase } from '../support/fresh-database';
import { RunningProcess, runUntilExit, startProcess } from '../support/processes';
import { S3StandIn } from '../support/s3-stand-in';
import { SesStandIn } from '../support/ses-stand-in';
import { StripeStandIn } from '../support/stripe-stand-in';
import { tempDir } from '../support/temp-dirs';
import { WebClient } from '../support/web-client';

/**
 * NODE_ENV=production fails closed: the built platform and worker (from dist/, as the image runs them) refuse to
 * boot when payments, email or record files would fall back to a stand-in, naming each missing variable in one
 * message and without a stack trace. A stand-in chosen on purpose boots, and every console page then says so to
 * the operators (and staff: test/e2e/bootstrap-cli.e2e-spec.ts). Stripe, SES and S3 are local HTTP stand-ins
 * speaking their wire formats (outside our walls); the database is a fresh one with no demo in it.
 */
describe('a production boot: a real service, or a stand-in chosen on purpose', () => {
  const stripe = new StripeStandIn();
  const ses = new SesStandIn();
  const s3 = new S3StandIn('consilium-records');
  const data = tempDir('production-boot');
  let fresh: FreshDatabase;
  let real: Record<string, string>;
  let production: Record<string, string>;
  const running: RunningProcess[] = [];

  const BANNERS = {
    payments: 'Demo payments: no money moves',
    email: 'Email goes to a local outbox, not to people',
    records: 'Records are stored on this server',
    sms: 'Texts go to a local outbox',
  };
  const OPERATOR = 'first.operator@consilium.example';
  const PASSWORD = 'a long operator passphrase 42';

  beforeAll(async () => {
    const [stripeUrl, s3Url] = await Promise.all([stripe.start(), s3.start(), ses.start()]);
    fresh = await createFreshDatabase();
    mkdirSync(path.join(data.dir, 'outbox'), { recursive: true });
    real = {
      STRIPE_SECRET_KEY: 'sk_test_consilium',
      STRIPE_WEBHOOK_SECRET: 'whsec_consilium',
      STRIPE_API_BASE: stripeUrl,
      SES_REGION: 'us-east-1',
      SES_ENDPOINT: ses.url,
      S3_BUCKET: 'consilium-records',
      S3_ENDPOINT: s3Url,
      SMS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIASTANDIN000000000',
      AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    production = { ...fresh.env, NODE_ENV: 'production', DATA_DIR: data.dir, EMAIL_OUTBOX_DIR: path.join(data.dir, 'outbox') };
  }, 180_000);

  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
  });

  afterAll(async () => {
    await fresh?.drop();
    await Promise.all([stripe.stop(), ses.stop(), s3.stop()]);
    data.remove();
  });

  // Each test starts whole processes (several, for the last) on two shared cores: bounded, but not by Jest's minute.
  const only = (env: Record<string, string>, drop: string[]) => Object.fromEntries(Object.entries(env).filter(([k]) => !drop.includes(k)));
  /** The variables a refused boot names: in production its one JSON failure line lists each problem, variable first. */
  const named = (output: string) => {
    const failure = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { problems?: string[] })
      .find((line) => line.problems);
    // Elsewhere, a person reads them as a list of lines.
    if (!failure) return [...output.matchAll(/^ {2}- ([A-Z0-9_]+):/gm)].map((m) => m[1]);
    return (failure.problems ?? []).map((problem) => /^([A-Z0-9_]+):/.exec(problem)?.[1]);
  };

  it.each(['platform', 'worker'] as const)(
    '%s: with nothing configured, refuses to boot and names every missing variable at once',
    async (app) => {
      const run = await runUntilExit(app, production);
      expect(run.code).toBe(1);
      expect(named(run.output)).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SES_REGION', 'S3_BUCKET', 'SMS_REGION']);
      expect(run.output).toContain('set PAYMENTS_PROVIDER=demo');
      expect(run.output).toContain('set SMS_TRANSPORT=outbox');
      expect(run.output).toContain('set EMAIL_TRANSPORT=outbox');
      expect(run.output).toContain('set RECORDS_STORAGE=local');
      expect(run.output).not.toMatch(/^\s+at /m); // no stack trace
      expect(run.output).not.toContain('sk_test_'); // and no value
    },
    120_000,
  );

  it.each([
    ['payments', ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']],
    ['email', ['SES_REGION']],
    ['records', ['S3_BUCKET']],
    ['texts', ['SMS_REGION']],
  ])(
    'refuses to boot when %s alone would fall back to its stand-in, naming %j',
    async (_service, missing) => {
      const run = await runUntilExit('platform', { ...production, ...only(real, missing) });
      expect(run.code).toBe(1);
      expect(named(run.output)).toEqual(missing);
      expect(run.output).not.toMatch(/^\s+at /m);
    },
    120_000,
  );

  it('refuses a real service chosen explicitly without its setting, whatever NODE_ENV says', async () => {
    const run = await runUntilExit('worker', { ...fresh.env, DATA_DIR: data.dir, RECORDS_STORAGE: 's3', PAYMENTS_PROVIDER: 'stripe' });
    expect(run.code).toBe(1);
    expect(named(run.output)).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'S3_BUCKET']);
    expect(run.output).toContain('STRIPE_SECRET_KEY: must be set when PAYMENTS_PROVIDER is stripe');
  }, 120_000);

  it('boots on each stand-in chosen on purpose, says it on every operator console page, and on the real services says nothing', async () => {
    // The first operator, from the CLI (run as in production: it needs none of the services' settings).
    const created = runCli(['operators', 'create', '--email', OPERATOR, '--password-stdin'], production, `${PASSWORD}\n`);
    expectSays(created, 0, `Created operator ${OPERATOR}`);

    let session: Map<string, string> | undefined;
    let url = '';
    const signedIn = async (env: Record<string, string>): Promise<WebClient> => {
      const platform = await startProcess('platform', { ...production, ...env });
      running.push(platform);
      url = platform.url!;
      const client = new WebClient(url, 'admin.localhost');
      if (session) {
        // Sessions live in PostgreSQL: the one made on an earlier boot still holds.
        for (const [k, v] of session) client.cookies.set(k, v);
        return client;
      }
      const signIn = await client.submit('/operator/sign-in', { email: OPERATOR, password: PASSWORD });
      expect(signIn).toMatchObject({ status: 303, location: '/operator/mfa' });
      await enrolSecondFactor(client, '/operator/mfa');
      session = client.cookies;
      return client;
    };
    const shown = (html: string) =>
      Object.entries(BANNERS)
        .filter(([, text]) => html.includes(text))
        .map(([name]) => name);

    for (const [name, choice] of [
      ['payments', { PAYMENTS_PROVIDER: 'demo' }],
      ['email', { EMAIL_TRANSPORT: 'outbox' }],
      ['records', { RECORDS_STORAGE: 'local' }],
      ['sms', { SMS_TRANSPORT: 'outbox' }],
    ] as const) {
      const realOthers = only(real, name === 'payments' ? ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] : []);
      const client = await signedIn({ ...realOthers, ...choice });
      for (const page of ['/operator', '/operator/tenants', '/operator/jobs']) {
        const res = await client.get(page);
        expect(`${page} ${res.status} ${shown(res.text).join(',')}`).toBe(`${page} 200 ${name}`);
      }
      if (name === 'payments') {
        // Nothing of it for someone who is not signed in.
        expect(shown((await new WebClient(url, 'admin.localhost').get('/operator/sign-in')).text)).toEqual([]);
      }
      for (const p of running.splice(0)) await p.stop();
    }

    const client = await signedIn(real);
    const page = await client.get('/operator');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('class="stand-ins"');
  }, 420_000);
});
