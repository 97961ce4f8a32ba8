import { TenantDatabase } from '@consilium/core';
import { FailedJobs, JobRunner } from '@consilium/jobs';
import { Mailer, SuppressionList } from '@consilium/notifications';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { asOwner, emailJobs, emailRows } from '../support/emails';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { SesStandIn } from '../support/ses-stand-in';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const CASE = '0d5e6f70-8192-4a3b-9c4d-5e6f708192a3';

/** The real @aws-sdk/client-ses, pointed at a local stand-in for Amazon SES. */
describe('email through Amazon SES', () => {
  const ses = new SesStandIn();
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let a: TestTenant & { from: string; set: string };
  let b: TestTenant & { from: string; set: string };
  let unconfigured: TestTenant;

  const withSender = async (label: string) => {
    const suffix = randomUUID().slice(0, 8);
    const from = `opinions@${label}-${suffix}.example`;
    const set = `${label}-${suffix}`;
    // Mail goes to addresses the tests make up: tenants without people are enough.
    const tenant = await createTestTenant(app, {
      email: {
        from_name: `Hospital ${label.toUpperCase()} Opinions`,
        from_address: from,
        reply_to: `help@${label}-${suffix}.example`,
        ses_configuration_set: set,
      },
    });
    return { ...tenant, from, set };
  };

  beforeAll(async () => {
    await ses.start();
    // The SDK signs every request; these credentials are only ever shown to the stand-in.
    process.env.AWS_ACCESS_KEY_ID = 'AKIASTANDIN000000000';
    process.env.AWS_SECRET_ACCESS_KEY = 'stand-in-secret';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    db = await isolatedDatabase('email-ses');
    app = await createTestApp({
      ...db.env,
      EMAIL_TRANSPORT: 'ses',
      SES_REGION: 'us-east-1',
      SES_ENDPOINT: ses.url,
      JOBS_POLL_SECONDS: '0.5',
    });
    a = await withSender('a');
    b = await withSender('b');
    // Only its missing SES settings matter: no people needed.
    unconfigured = await createTestTenant(app);
    await app.get(JobRunner).start();
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    await ses.stop();
  });

  const send = (tenant: TestTenant, to: string) =>
    app
      .get(TenantDatabase)
      .forTenant(tenant.id, (tx) => app.get(Mailer).send(tx, { tenantId: tenant.id, to, template: 'new-message', data: { caseId: CASE } }));
  const settled = (tenant: TestTenant, id: string, status: string, timeoutMs = 15000) =>
    eventually(async () => expect((await emailRows(app, tenant.id, [id]))[0].status).toBe(status), timeoutMs, 50);

  it("sends SendEmail as each tenant's own identity and configuration set, tagged with the tenant", async () => {
    const [toA, toB] = [`p-${randomUUID().slice(0, 8)}@example.org`, `q-${randomUUID().slice(0, 8)}@example.org`];
    const [idA, idB] = [await send(a, toA), await send(b, toB)];
    await settled(a, idA, 'sent');
    await settled(b, idB, 'sent');
    for (const [tenant, to, id] of [
      [a, toA, idA],
      [b, toB, idB],
    ] as const) {
      const [call] = ses.callsTo(to);
      expect(call.action).toBe('SendEmail');
      expect(call.scope).toMatch(/^AKIASTANDIN000000000\/\d{8}\/us-east-1\/ses\/aws4_request$/);
      const p = Object.fromEntries(call.params);
      expect(p).toMatchObject({
        Source: `"Hospital ${tenant === a ? 'A' : 'B'} Opinions" <${tenant.from}>`,
        'Destination.ToAddresses.member.1': to,
        'ReplyToAddresses.member.1': tenant.from.replace('opinions@', 'help@'),
        ConfigurationSetName: tenant.set,
        'Message.Subject.Data': 'You have a new message',
        'Message.Subject.Charset': 'UTF-8',
        'Tags.member.1.Name': 'consilium-tenant',
        'Tags.member.1.Value': tenant.id,
        'Tags.member.2.Name': 'consilium-message',
        'Tags.member.2.Value': id,
      });
      expect(p['Message.Body.Html.Data']).toContain(tenant.name);
      expect(p['Message.Body.Text.Data']).toContain(`http://${tenant.host}:3000/account/cases/${CASE}`);
      const [row] = await emailRows(app, tenant.id, [id]);
      expect(row).toMatchObject({ transport: 'ses', provider_message_id: expect.stringMatching(/^0100019[0-9a-f]{32}-000000$/) });
    }
  });

  it('retries a Throttling answer (the SDK at once, then the job with backoff) and sends the message once', async () => {
    const quick = `t-${randomUUID().slice(0, 8)}@example.org`;
    ses.script(quick, ['throttle', 'throttle']);
    const quickId = await send(a, quick);
    await settled(a, quickId, 'sent');
    expect(ses.callsTo(quick).map((c) => c.answer)).toEqual(['throttle', 'throttle', 'ok']);

    // Throttled past the SDK's three attempts: the job fails this attempt as retryable and is retried later.
    const slow = `u-${randomUUID().slice(0, 8)}@example.org`;
    ses.script(slow, ['throttle', 'throttle', 'throttle', 'throttle']);
    const slowId = await send(a, slow);
    await eventually(async () => expect((await emailJobs(db.owner, [slowId]))[0].state).toBe('retry'), 10000, 50);
    const [waiting] = await emailJobs(db.owner, [slowId]);
    expect(waiting.output).toMatchObject({ code: 'ses_unavailable', permanent: false, attempt: 1 });
    // Skip the 15-30 s backoff rather than sleep through it.
    await asOwner(db.owner, `UPDATE pgboss.job SET start_after = now() WHERE name = 'send-email' AND data->>'messageId' = $1`, [slowId]);
    await settled(a, slowId, 'sent', 10000);
    expect(ses.callsTo(slow).map((c) => c.answer)).toEqual(['throttle', 'throttle', 'throttle', 'throttle', 'ok']);
    expect((await emailJobs(db.owner, [slowId]))[0]).toMatchObject({ state: 'completed', retry_count: 1 });
  }, 30000);

  it('fails the job at once on MessageRejected, with a clear reason that names no recipient', async () => {
    const to = `nobody-${randomUUID().slice(0, 8)}@unverified.example`;
    ses.script(to, ['reject']);
    const id = await send(b, to);
    await eventually(async () => expect((await emailJobs(db.owner, [id]))[0].state).toBe('failed'), 15000, 50);
    expect(ses.callsTo(to)).toHaveLength(1);
    const [job] = await emailJobs(db.owner, [id]);
    const dead = (await app.get(FailedJobs).list(1000)).find((j) => j.id === job.id)!;
    expect(dead).toMatchObject({ attempts: 1, tenantSlug: b.slug, lastError: { code: 'ses_rejected', permanent: true } });
    expect(dead.lastError.message).toContain(`MessageRejected: Email address is not verified`);
    expect(dead.lastError.message).toContain(b.from);
    expect(dead.lastError.message).toContain('<recipient>');
    expect(JSON.stringify(job.output)).not.toContain(to);
    const [row] = await emailRows(app, b.id, [id]);
    expect(row).toMatchObject({ status: 'failed', data: null, status_reason: expect.stringContaining('Verify the From address') });
  });

  it('fails the job at once, without calling SES, for a tenant with no sender identity', async () => {
    const to = `v-${randomUUID().slice(0, 8)}@example.org`;
    const id = await send(unconfigured, to);
    await eventually(async () => expect((await emailJobs(db.owner, [id]))[0].state).toBe('failed'), 15000, 50);
    const [job] = await emailJobs(db.owner, [id]);
    expect(job.output).toMatchObject({ code: 'no_sender', message: expect.stringContaining(`tenants/${unconfigured.slug}/tenant.yaml`) });
    expect(ses.callsTo(to)).toEqual([]);
  });

  it('does not call SES for an address suppressed for the sending tenant', async () => {
    const to = `w-${randomUUID().slice(0, 8)}@example.org`;
    await app.get(SuppressionList).add(a.id, [{ address: to, reason: 'complaint', detail: 'abuse' }]);
    const [fromA, fromB] = [await send(a, to), await send(b, to)];
    await settled(a, fromA, 'suppressed');
    await settled(b, fromB, 'sent');
    expect(ses.callsTo(to).map((c) => c.params.get('ConfigurationSetName'))).toEqual([b.set]);
  });
});
