import { TenantDatabase, Translator } from '@consilium/core';
import { AccountMail } from '@consilium/identity';
import { JobRunner } from '@consilium/jobs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { createTestCase, TestCase } from '../support/cases';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { waitForIdleQueues } from '../support/job-queues';
import { expectNoLeaks } from '../support/leak-detector';
import { RecordingAccountMail } from '../support/recording-account-mail';
import { signInStaff } from '../support/staff-sign-in';
import { createTestApp } from '../support/test-app';
import { createTwoHospitals, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const EVENTS = 1000;

/**
 * A hospital's system on this machine, as Standard Webhooks describes a receiver: it verifies each signature with
 * the `standardwebhooks` library, answers 500 to 3 requests in 10 (whatever they carry), and keeps what it accepted
 * by `webhook-id`, so a retry of something it already has is answered 200 and counted as a duplicate.
 */
class Receiver {
  readonly accepted = new Map<string, { type: string; data: Record<string, unknown> }>();
  readonly signatureFailures: string[] = [];
  duplicates = 0;
  requests = 0;
  private server?: Server;
  private secrets = new Map<string, string>();

  expect(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req).then((status) => res.writeHead(status).end()));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const n = this.requests++;
    if (req.url === '/down') return 503;
    if (n % 10 < 3) return 500;
    let event: { type: string; data: Record<string, unknown> };
    try {
      event = new Webhook(this.secrets.get(req.url ?? '')!).verify(body, req.headers as Record<string, string>) as typeof event;
    } catch {
      this.signatureFailures.push(String(req.headers['webhook-id']));
      return 400;
    }
    const id = String(req.headers['webhook-id']);
    if (this.accepted.has(id)) this.duplicates++;
    else this.accepted.set(id, event);
    return 200;
  }
}

/**
 * Outbound webhooks: an admin registers endpoints in the console, events leave in the transaction of the change as
 * pg-boss jobs, signed per Standard Webhooks, retried with backoff, logged, resent on demand, and an endpoint that
 * keeps failing is disabled.
 */
describe('outbound webhooks', () => {
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let a: TestHospital;
  let b: TestHospital;
  let admin: WebClient;
  let delivered: TestCase;
  const receiver = new Receiver();
  let base: string;

  async function register(client: WebClient, url: string, events: string[]): Promise<{ id: string; secret: string }> {
    const page = await client.submit('/console/webhooks', { url, events });
    expect(page.status).toBe(200);
    const secret = /<code class="secret">(whsec_[A-Za-z0-9+/=]+)<\/code>/.exec(page.text)![1];
    const id = [...page.text.matchAll(/href="\/console\/webhooks\/([0-9a-f-]{36})"><code>([^<]+)<\/code>/g)].find((m) => m[2] === url)![1];
    return { id, secret };
  }

  beforeAll(async () => {
    base = await receiver.start();
    db = await isolatedDatabase('webhooks');
    app = await createTestApp(
      {
        ...db.env,
        JOBS_POLL_SECONDS: '0.5',
        JOBS_CONCURRENCY: '16',
        // Retries at once (the schedule's length is how many), so a 30% failure rate ends within the test.
        WEBHOOKS_RETRY_SCHEDULE_SECONDS: Array.from({ length: 16 }, () => '0').join(','),
        WEBHOOKS_DISABLE_AFTER_FAILURES: '20',
        WEBHOOKS_DISABLE_AFTER_MINUTES: '0',
        // The receiver is on this machine's loopback: the SSRF guard lets tests reach it (production does not).
        WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
      },
      { providers: [{ provide: AccountMail, useClass: RecordingAccountMail }] },
      { domains: true },
    );
    ({ a, b } = await createTwoHospitals(app, { a: { locales: ['en', 'es', 'fr'], default_locale: 'en' } }));
    admin = new WebClient(app, a.host);
    await signInStaff(admin, a.people.admin);
    delivered = await createTestCase(app, a, { state: 'delivered' });
    // This suite's own database: the runner works only its jobs, as a worker would.
    await app.get(JobRunner).start({ queues: ['webhook-deliver'] });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await receiver.stop();
  });

  it(`delivers ${EVENTS} events exactly once each to a receiver that fails 30% of requests, every signature valid`, async () => {
    const endpoint = await register(admin, `${base}/hooks`, ['conversion.recorded']);
    receiver.expect('/hooks', endpoint.secret);
    const key = await admin.submit('/console/api-keys', { name: 'scheduling', scopes: ['conversions.record'] });
    const apiKey = /<p class="secret">(ck_[A-Za-z0-9_-]+)<\/p>/.exec(key.text)![1];
    // Each visit recorded through the API is one conversion.recorded event, enqueued in the conversion's transaction.
    for (let i = 0; i < EVENTS; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, EVENTS - i) }, (_, j) =>
          request(app.getHttpServer())
            .post(`/api/v1/cases/${delivered.id}/conversions`)
            .set('Host', a.host)
            .set('Authorization', `Bearer ${apiKey}`)
            .set('Idempotency-Key', `visit-${i + j}`)
            .send({ kind: 'consult_booked', occurredOn: '2026-03-31' })
            .expect(201),
        ),
      );
    }
    await eventually(() => expect(receiver.accepted.size).toBe(EVENTS), 120_000, 200);
    await waitForIdleQueues(app, { queues: ['webhook-deliver'], timeoutMs: 60_000 });
    expect(receiver.duplicates).toBe(0);
    expect(receiver.signatureFailures).toEqual([]);
    expect(receiver.requests).toBeGreaterThan(EVENTS * 1.3);
    const events = [...receiver.accepted.values()];
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['conversion.recorded']));
    // Ids only: the case, and the kind of conversion.
    expect(events.every((e) => JSON.stringify(Object.keys(e.data).sort()) === '["caseId","kind"]' && e.data.caseId === delivered.id)).toBe(
      true,
    );
    const counts = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        tx.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY 1`, [endpoint.id]),
      );
    expect(counts).toEqual([{ status: 'delivered', n: EVENTS }]);
  }, 240_000);

  it('shows the delivery log, resends under the same webhook-id, and keeps it to its hospital', async () => {
    const list = await admin.get('/console/webhooks');
    expect(list.text).toContain(`${base}/hooks`);
    const id = /href="\/console\/webhooks\/([0-9a-f-]{36})"/.exec(list.text)![1];
    const log = await admin.get(`/console/webhooks/${id}`);
    expect(log.status).toBe(200);
    const deliveryId = /deliveries\/([0-9a-f-]{36})\/resend/.exec(log.text)![1];
    const before = receiver.requests;
    const resent = await admin.post(`/console/webhooks/${id}/deliveries/${deliveryId}/resend`);
    expect(resent.location).toBe(`/console/webhooks/${id}?resent=1`);
    await eventually(() => expect(receiver.requests).toBeGreaterThan(before), 20_000, 100);
    await waitForIdleQueues(app, { queues: ['webhook-deliver'] });
    // The receiver already had it: the same id, so a duplicate it can ignore, never a new event.
    expect(receiver.accepted.size).toBe(EVENTS);

    const other = new WebClient(app, b.host);
    await signInStaff(other, b.people.admin);
    expect((await other.get(`/console/webhooks/${id}`)).status).toBe(404);
    expect((await other.post(`/console/webhooks/${id}/deliveries/${deliveryId}/resend`)).status).toBe(404);
    expect((await other.get('/console/webhooks')).text).not.toContain(`${base}/hooks`);
  });

  it('disables an endpoint after a run of failures, and an admin turns it back on', async () => {
    const down = await register(admin, `${base}/down`, ['case.accepted']);
    receiver.expect('/down', down.secret);
    // Two accepted cases: 2 x 17 attempts, past the 20 failures in a row that disable it.
    await createTestCase(app, a, { state: 'accepted' });
    await createTestCase(app, a, { state: 'accepted' });
    await waitForIdleQueues(app, { queues: ['webhook-deliver'], timeoutMs: 60_000 });
    const page = await admin.get('/console/webhooks');
    expect(page.text).toContain('Disabled after failed deliveries');
    // The admins are told once, in the transaction that turned it off.
    const mails = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) => tx.query(`SELECT to_address FROM outbound_emails WHERE template = 'webhook-endpoint-disabled'`));
    expect(mails).toEqual([{ to_address: a.people.admin.email }]);
    const enabled = await admin.post(`/console/webhooks/${down.id}/enable`);
    expect(enabled.location).toBe('/console/webhooks?enabled=1');
    expect((await admin.get('/console/webhooks?enabled=1')).text).toContain('The endpoint is on again.');
  });

  it.each(['en', 'es', 'fr'])('refuses a bad endpoint beside its field, as typed, in %s, and leaks no other language', async (locale) => {
    const reader = new WebClient(app, a.host);
    reader.cookies.set('lang', locale);
    await signInStaff(reader, a.people.admin);
    const refused = await reader.submit('/console/webhooks', { url: 'ftp://ehr.example/hooks', events: ['case.submitted'] });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('value="ftp://ehr.example/hooks"');
    const translator = app.get(Translator);
    expect(refused.text).toContain(translator.t('integrations.webhooks.refused.url', locale));
    const noEvent = await reader.submit('/console/webhooks', { url: `${base}/x` });
    expect(noEvent.text).toContain(translator.t('integrations.webhooks.chooseEvent', locale));
    const allow = [a.name, 'Consilium', `${base}/hooks`, `${base}/down`, `${base}/x`, 'ftp://ehr.example/hooks'];
    for (const page of [refused, await reader.get('/console/webhooks')])
      expectNoLeaks(page.text, { locale, translator, allow, page: 'webhooks' });
  });
});
