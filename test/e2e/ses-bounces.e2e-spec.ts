import { TenantDatabase } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { Mailer, SNS_HTTP, SnsHttp } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { emailRows } from '../support/emails';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { tempDir } from '../support/temp-dirs';
import { createTestAppWith } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-feedback';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';
const CASE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

type Tenant = TestTenant & { from: string; set: string };

/**
 * SNS signs with a key only AWS holds; this suite signs with a key and certificate made here (openssl), served by a
 * stand-in for AWS's certificate host. The canonical string is written out from AWS's documentation, not taken
 * from the code under test.
 */
describe('SES bounces and complaints through SNS', () => {
  const keys = tempDir('sns');
  const outbox = tempDir('outbox');
  const fetched: string[] = [];
  let privateKey: string;
  let certificate: string;
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let a: Tenant;
  let b: Tenant;

  const http: SnsHttp = {
    get(url: string) {
      fetched.push(url);
      if (url === CERT_URL) return Promise.resolve(certificate);
      if (url.startsWith('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription'))
        return Promise.resolve('<ConfirmSubscriptionResponse/>');
      return Promise.reject(new Error(`the stand-in has nothing at ${url}`));
    },
  };

  beforeAll(async () => {
    const [keyFile, certFile] = [path.join(keys.dir, 'key.pem'), path.join(keys.dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=sns.amazonaws.com',
      ],
      { stdio: 'ignore' },
    );
    [privateKey, certificate] = [readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8')];
    db = await isolatedDatabase('ses-bounces');
    app = await createTestAppWith(
      { ...db.env, SES_SNS_TOPIC_ARNS: TOPIC, EMAIL_OUTBOX_DIR: outbox.dir, JOBS_POLL_SECONDS: '0.5' },
      (builder) => builder.overrideProvider(SNS_HTTP).useValue(http),
    );
    const withSender = async (label: string): Promise<Tenant> => {
      const suffix = randomUUID().slice(0, 8);
      const [from, set] = [`opinions@${label}-${suffix}.example`, `${label}-${suffix}`];
      return {
        // Bounces name addresses the tests make up: tenants without people are enough.
        ...(await createTestTenant(app, { email: { from_name: `Hospital ${label}`, from_address: from, ses_configuration_set: set } })),
        from,
        set,
      };
    };
    a = await withSender('a');
    b = await withSender('b');
    await app.get(JobRunner).start();
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    keys.remove();
    outbox.remove();
  });

  function snsMessage(fields: Record<string, string>, options: { version?: '1' | '2'; key?: string } = {}): Record<string, string> {
    const version = options.version ?? '2';
    const message: Record<string, string> = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: TOPIC,
      Timestamp: new Date().toISOString(),
      SignatureVersion: version,
      SigningCertURL: CERT_URL,
      ...fields,
    };
    const signed =
      message.Type === 'Notification'
        ? ['Message', 'MessageId', ...('Subject' in message ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const canonical = signed.map((k) => `${k}\n${message[k]}\n`).join('');
    message.Signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(canonical), options.key ?? privateKey).toString('base64');
    return message;
  }

  const bounce = (address: string, mail: object, bounceType = 'Permanent') =>
    JSON.stringify({
      notificationType: 'Bounce',
      bounce: { bounceType, bounceSubType: 'General', feedbackId: randomUUID(), bouncedRecipients: [{ emailAddress: address }] },
      mail: { messageId: randomUUID(), ...mail },
    });
  const post = (message: Record<string, string>) =>
    request(app.getHttpServer())
      .post('/webhooks/ses')
      .set('Host', 'platform.example')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .send(JSON.stringify(message));
  const suppressed = (tenant: TestTenant, address: string): Promise<{ reason: string; detail: string }[]> =>
    app
      .get(TenantDatabase)
      .forTenant(tenant.id, (tx) => tx.query('SELECT reason, detail FROM email_suppressions WHERE address = $1', [address.toLowerCase()]));
  const fresh = () => `r-${randomUUID().slice(0, 8)}@example.org`;

  it('changes nothing for a message whose signature does not match', async () => {
    const address = fresh();
    const genuine = snsMessage({ Message: bounce(fresh(), { tags: { 'consilium-tenant': [a.id] } }) });
    // Same signature, another victim: the attacker edits the address after signing.
    const tampered = { ...genuine, Message: bounce(address, { tags: { 'consilium-tenant': [a.id] } }) };
    expect((await post(tampered).expect(403)).body.error.code).toBe('sns_message_rejected');
    await post({ ...genuine, Signature: Buffer.from('not a signature').toString('base64') }).expect(403);
    const otherKey = execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await post(snsMessage({ Message: bounce(address, { tags: { 'consilium-tenant': [a.id] } }) }, { key: otherKey })).expect(403);
    expect(await suppressed(a, address)).toEqual([]);
    expect(await suppressed(b, address)).toEqual([]);
  });

  it('accepts nothing from a topic it was not configured with, even correctly signed', async () => {
    const address = fresh();
    await post(
      snsMessage({ TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else', Message: bounce(address, { source: a.from }) }),
    ).expect(403);
    expect(await suppressed(a, address)).toEqual([]);
  });

  it.each([
    'https://sns.us-east-1.amazonaws.com.attacker.example/cert.pem',
    'http://sns.us-east-1.amazonaws.com/cert.pem',
    'https://sns.us-east-1.amazonaws.com:8443/cert.pem',
    'https://sns.eu-west-1.amazonaws.com/cert.pem',
    'https://attacker.example/sns.us-east-1.amazonaws.com.pem',
  ])('never fetches a signing certificate from %s', async (url) => {
    await post(snsMessage({ SigningCertURL: url, Message: bounce(fresh(), { source: a.from }) })).expect(403);
    expect(fetched).not.toContain(url);
  });

  it('suppresses a permanently bounced address for the sending tenant only; the other tenant still sends to it', async () => {
    const address = fresh();
    await post(
      snsMessage({ Message: bounce(address, { source: a.from, tags: { 'consilium-tenant': [a.id], 'ses:configuration-set': [a.set] } }) }),
    ).expect(200, { received: 'Notification' });
    expect(await suppressed(a, address)).toEqual([{ reason: 'bounce', detail: 'General' }]);
    expect(await suppressed(b, address)).toEqual([]);

    const send = (tenant: TestTenant) =>
      app
        .get(TenantDatabase)
        .forTenant(tenant.id, (tx) =>
          app.get(Mailer).send(tx, { tenantId: tenant.id, to: address, template: 'case-status-changed', data: { caseId: CASE } }),
        );
    const [fromA, fromB] = [await send(a), await send(b)];
    await eventually(async () => expect((await emailRows(app, a.id, [fromA]))[0].status).toBe('suppressed'), 15000);
    await eventually(async () => expect((await emailRows(app, b.id, [fromB]))[0].status).toBe('sent'), 15000);
  });

  it('finds the tenant by configuration set or From address when the tag is missing (SignatureVersion 1 too)', async () => {
    const [byConfigurationSet, bySource] = [fresh(), fresh()];
    const complaint = JSON.stringify({
      eventType: 'Complaint',
      complaint: { complaintFeedbackType: 'abuse', feedbackId: randomUUID(), complainedRecipients: [{ emailAddress: byConfigurationSet }] },
      mail: { messageId: randomUUID(), tags: { 'ses:configuration-set': [b.set] } },
    });
    await post(snsMessage({ Message: complaint, Subject: 'Amazon SES Email Event Notification' }, { version: '1' })).expect(200);
    await post(snsMessage({ Message: bounce(bySource.toUpperCase(), { source: `"Hospital a" <${a.from}>` }) })).expect(200);
    expect(await suppressed(b, byConfigurationSet)).toEqual([{ reason: 'complaint', detail: 'abuse' }]);
    expect(await suppressed(a, byConfigurationSet)).toEqual([]);
    expect(await suppressed(a, bySource)).toEqual([{ reason: 'bounce', detail: 'General' }]);
    expect(await suppressed(b, bySource)).toEqual([]);
  });

  it('does not suppress for a transient bounce, or for a sender no tenant has', async () => {
    const [transient, stranger] = [fresh(), fresh()];
    await post(snsMessage({ Message: bounce(transient, { tags: { 'consilium-tenant': [a.id] } }, 'Transient') })).expect(200);
    await post(snsMessage({ Message: bounce(stranger, { source: 'someone@elsewhere.example' }) })).expect(200);
    expect(await suppressed(a, transient)).toEqual([]);
    for (const tenant of [a, b]) expect(await suppressed(tenant, stranger)).toEqual([]);
  });

  it('fetches the signing certificate once and reuses it', () => {
    expect(fetched.filter((u) => u === CERT_URL)).toHaveLength(1);
  });

  it('confirms a subscription by visiting an SNS SubscribeURL, and leaves any other URL alone', async () => {
    const subscribe = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=${randomUUID()}`;
    const confirmation = (url: string) =>
      snsMessage({
        Type: 'SubscriptionConfirmation',
        Message: 'You have chosen to subscribe to the topic.',
        SubscribeURL: url,
        Token: randomUUID(),
      });
    await post(confirmation(subscribe)).expect(200, { received: 'SubscriptionConfirmation' });
    expect(fetched).toContain(subscribe);
    const elsewhere = 'https://attacker.example/?Action=ConfirmSubscription';
    await post(confirmation(elsewhere)).expect(200);
    expect(fetched).not.toContain(elsewhere);
  });

  it('answers 400 to a body that is not an SNS message', async () => {
    await request(app.getHttpServer()).post('/webhooks/ses').set('Content-Type', 'text/plain').send('hello').expect(400);
    await request(app.getHttpServer()).post('/webhooks/ses').send({ Type: 'Notification' }).expect(400);
  });
});
