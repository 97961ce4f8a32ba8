import { CaseMilestones } from '@consilium/cases';
import { AppConfig, Clock, TenantDatabase, Translator } from '@consilium/core';
import { JobRunner } from '@consilium/jobs';
import { SmsConsents, SNS_HTTP, SnsHttp } from '@consilium/notifications';
import { BlueprintExporter } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createTestCase } from '../support/cases';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { waitForIdleQueues } from '../support/job-queues';
import { PinpointSmsStandIn } from '../support/pinpoint-sms-stand-in';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { expectNoLeaks } from '../support/leak-detector';
import { signInPatient, signInStaff } from '../support/staff-sign-in';
import { createTestHospital, TestHospital } from '../support/tenants';
import { WebClient } from '../support/web-client';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:sms-inbound';
const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const ORIGIN = '+12065550100';

/**
 * Texts at milestones through the real @aws-sdk/client-pinpoint-sms-voice-v2, pointed at a local stand-in that speaks
 * its JSON wire protocol; STOP arrives as AWS End User Messaging publishes it, through SNS, signed here with a key and
 * certificate made by openssl and served in place of AWS's certificate host.
 */
describe('SMS at milestones, opt-in, with STOP', () => {
  const sms = new PinpointSmsStandIn();
  const keys = tempDir('sms-sns');
  let privateKey: string;
  let certificate: string;
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let a: TestHospital;
  let b: TestHospital;
  const phoneA = `+1206555${String(Math.floor(1000 + Math.random() * 8999))}`;
  const phoneB = `+1312555${String(Math.floor(1000 + Math.random() * 8999))}`;

  const consent = (h: TestHospital, phone: string) =>
    app.get(TenantDatabase).forTenant(h.id, (tx) => app.get(SmsConsents).grant(tx, h.id, h.people.patient.id, phone, app.get(Clock).now()));
  const rows = (h: TestHospital) =>
    app
      .get(TenantDatabase)
      .forTenant(h.id, (tx): Promise<{ template: string; status: string; to_number: string; data: unknown }[]> =>
        tx.query('SELECT template, status, to_number, data FROM outbound_sms ORDER BY created_at'),
      );

  function inbound(from: string, body: string, topic = TOPIC, to = ORIGIN): Record<string, string> {
    const message: Record<string, string> = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: topic,
      Timestamp: new Date().toISOString(),
      SignatureVersion: '2',
      SigningCertURL: CERT_URL,
      // AWS End User Messaging's two-way SMS notification.
      Message: JSON.stringify({
        originationNumber: from,
        destinationNumber: to,
        messageKeyword: 'KEYWORD_123456789012',
        messageBody: body,
        inboundMessageId: randomUUID(),
        previousPublishedMessageId: randomUUID(),
      }),
    };
    const canonical = ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type'].map((k) => `${k}\n${message[k]}\n`).join('');
    message.Signature = sign('sha256', Buffer.from(canonical), privateKey).toString('base64');
    return message;
  }
  const post = (host: string, body: object) =>
    request(app.getHttpServer()).post(`/webhooks/sms/${host}`).set('content-type', 'application/json').send(JSON.stringify(body));

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
    await sms.start();
    // The SDK signs every request; these credentials are only ever shown to the stand-in.
    process.env.AWS_ACCESS_KEY_ID = 'AKIASTANDIN000000000';
    process.env.AWS_SECRET_ACCESS_KEY = 'stand-in-secret';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    db = await isolatedDatabase('sms');
    app = await createTestApp(
      {
        ...db.env,
        SMS_TRANSPORT: 'pinpoint',
        SMS_REGION: 'us-east-1',
        SMS_ENDPOINT: sms.url,
        SMS_SNS_TOPIC_ARNS: TOPIC,
        JOBS_POLL_SECONDS: '0.5',
      },
      {},
      { domains: true },
    );
    // AWS's certificate host is outside our walls: the one call it answers is our certificate.
    const http: SnsHttp = app.get(SNS_HTTP);
    jest.spyOn(http, 'get').mockImplementation((url) => (url === CERT_URL ? Promise.resolve(certificate) : Promise.reject(new Error(url))));
    a = await createTestHospital(app, { locales: ['en', 'es'], sms: { enabled: true, origination_identity: ORIGIN } });
    b = await createTestHospital(app);
    await app.get(JobRunner).start();
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    await sms.stop();
    keys.remove();
  });

  it('texts a patient who opted in, once per milestone, a keyed sentence and a link only', async () => {
    await consent(a, phoneA);
    const c = await createTestCase(app, a, { state: 'submitted' });
    await eventually(() => expect(sms.sentTo(phoneA)).toHaveLength(1), 15000, 50);
    const [call] = sms.sentTo(phoneA);
    // Exactly the keyed sentence, the hospital's name, the link and the STOP hint: nothing of the patient's request.
    const t = app.get(Translator);
    const link = `${app.get(AppConfig).originFor(a.host)}/account/cases/${c.id}`;
    expect(call.body.MessageBody).toBe(
      `${t.t('notifications.sms.request-submitted', 'en', { hospital: a.name, link })} ${t.t('notifications.sms.stopHint', 'en')}`,
    );
    expect(call.body).toMatchObject({ OriginationIdentity: ORIGIN, MessageType: 'TRANSACTIONAL', Context: { 'consilium-tenant': a.id } });
    expect(call.scope).toMatch(/\/us-east-1\/sms-voice\/aws4_request$/);
    await eventually(async () =>
      expect((await rows(a)).map((r) => [r.template, r.status, r.data])).toEqual([['request-submitted', 'sent', null]]),
    );

    // The same milestone again (a retried job, a repeated move) sends nothing.
    await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx) =>
        app
          .get(CaseMilestones)
          .reach(tx, { tenantId: a.id, id: c.id, patientId: a.people.patient.id }, 'request_submitted', { triageBy: Date.now() }),
      );
    await waitForIdleQueues(app);
    expect(sms.sentTo(phoneA)).toHaveLength(1);
    expect(await rows(a)).toHaveLength(1);
  });

  it("texts no one at a hospital that has not turned SMS on, and another hospital sees none of A's texts", async () => {
    await consent(b, phoneB);
    await createTestCase(app, b, { state: 'submitted' });
    await waitForIdleQueues(app);
    expect(await rows(b)).toEqual([]);
    // Read as hospital B, A's texts are not there.
    const seenByB = await app
      .get(TenantDatabase)
      .forTenant(b.id, (tx): Promise<unknown[]> => tx.query('SELECT id FROM outbound_sms WHERE tenant_id = $1', [a.id]));
    expect(seenByB).toEqual([]);
    expect(sms.sentTo(phoneB)).toEqual([]);
  });

  it('a STOP to the hospital ends consent for that number, audited, and later milestones send no text', async () => {
    // Posted for the other hospital (no SMS number), it is refused and ends nothing of A's.
    await post(b.host, inbound(phoneA, 'STOP')).expect(404);
    const before = await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(SmsConsents).of(tx, a.people.patient.id));
    expect(before?.revokedAt).toBeNull();

    await post(a.host, inbound(phoneA, 'Stop.')).expect(200, { received: 'stopped' });
    const after = await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(SmsConsents).of(tx, a.people.patient.id));
    expect(after).toMatchObject({ phone: phoneA, revokedBy: 'stop_keyword' });
    expect(after!.revokedAt!.getTime()).toBeGreaterThanOrEqual(after!.consentedAt.getTime());
    const audited = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ n: number }[]> =>
        tx.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'sms.stopped' AND entity_id = $1`, [a.people.patient.id]),
      );
    expect(audited[0].n).toBe(1);

    const sentBefore = sms.calls.length;
    await createTestCase(app, a, { state: 'submitted' });
    await waitForIdleQueues(app);
    expect(sms.calls.length).toBe(sentBefore);
    expect((await rows(a)).filter((r) => r.status === 'queued')).toEqual([]);
  });

  it('any other text is ignored, and an unsigned or foreign-topic message is refused', async () => {
    await post(a.host, inbound(phoneA, 'What time is my appointment?')).expect(200, { received: 'ignored' });
    await post(a.host, inbound(phoneA, 'STOP', TOPIC, '+12065550999')).expect(200, { received: 'ignored' });
    await post(a.host, { ...inbound(phoneA, 'STOP'), Signature: 'AAAA' }).expect(403);
    await post(a.host, inbound(phoneA, 'STOP', 'arn:aws:sns:us-east-1:123456789012:someone-else')).expect(403);
  });

  it.each(['en', 'es'])(
    'the patient turns texts on in their settings, with a number and consent, refused beside the field as typed (%s)',
    async (locale) => {
      const t = app.get(Translator);
      const patient = new WebClient(app, a.host, { 'accept-language': locale });
      await signInPatient(patient, a.people.patient);
      const settings = await patient.get('/account/settings');
      expect(settings.text).toContain('href="/account/settings/texts"');
      const page = await patient.get('/account/settings/texts');
      expect(page.status).toBe(200);
      expectNoLeaks(page.text, { locale, translator: t, allow: [a.name, phoneA] });

      const refused = await patient.submit('/account/settings/texts', { phone: '312-abc' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(t.t('notifications.smsSettings.phoneInvalid', locale));
      expect(refused.text).toContain(t.t('notifications.smsSettings.consentRequired', locale));
      expect(refused.text).toContain('value="312-abc"');
      expectNoLeaks(refused.text, { locale, translator: t, allow: [a.name, '312-abc'] });

      const before = app.get(Clock).now().getTime();
      const saved = await patient.submit('/account/settings/texts', { phone: '+1 (206) 555-0142', consent: 'yes' });
      expect(saved.status).toBe(303);
      const consent = await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(SmsConsents).of(tx, a.people.patient.id));
      expect(consent).toMatchObject({ phone: '+12065550142', revokedAt: null });
      expect(consent!.consentedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);

      // Withdrawn from the same page; the audit trail has both choices.
      await patient.get('/account/settings/texts');
      expect((await patient.submit('/account/settings/texts/withdraw', {})).status).toBe(303);
      const after = await app.get(TenantDatabase).forTenant(a.id, (tx) => app.get(SmsConsents).of(tx, a.people.patient.id));
      expect(after).toMatchObject({ revokedBy: 'patient' });
      const audited = await app
        .get(TenantDatabase)
        .forTenant(a.id, (tx): Promise<{ action: string }[]> =>
          tx.query(`SELECT action FROM audit_events WHERE entity_id = $1 AND action LIKE 'sms.%' ORDER BY occurred_at`, [
            a.people.patient.id,
          ]),
        );
      expect(audited.map((r) => r.action).slice(-2)).toEqual(['sms.consented', 'sms.withdrawn']);
    },
  );

  it("at a hospital without SMS the page says so and records nothing; another hospital's patient is not signed in here", async () => {
    const patient = new WebClient(app, b.host);
    await signInPatient(patient, b.people.patient);
    const page = await patient.get('/account/settings/texts');
    expect(page.text).toContain(app.get(Translator).t('notifications.smsSettings.notOffered', 'en').replace(/'/g, '&#x27;'));
    await patient.submit('/account/settings/texts', { phone: '+13125550100', consent: 'yes' });
    const consent = await app.get(TenantDatabase).forTenant(b.id, (tx) => app.get(SmsConsents).of(tx, b.people.patient.id));
    expect(consent?.phone).toBe(phoneB);
    // B's session means nothing on A's host.
    const elsewhere = new WebClient(app, a.host);
    elsewhere.cookies.clear();
    for (const [k, v] of patient.cookies) elsewhere.cookies.set(k, v);
    expect((await elsewhere.get('/account/settings/texts')).status).not.toBe(200);
  });

  it("an admin turns texts on in the console beside the calendar, a wrong number refused beside its field as typed; the other hospital's setting never changes", async () => {
    const admin = new WebClient(app, b.host);
    await signInStaff(admin, b.people.admin);
    const form = (fields: Record<string, string>) => ({
      color_primary: '#123456',
      color_accent: '#abcdef',
      color_text: '#1a1a1a',
      color_background: '#ffffff',
      font_heading: 'system-ui, sans-serif',
      font_body: 'system-ui, sans-serif',
      ...fields,
    });
    expect((await admin.get('/console/branding')).text).toContain('name="sms_enabled"');
    const refused = await admin.post('/console/branding', form({ sms_enabled: 'yes', sms_origination: '+1 312 555 01<00>' }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="f-sms_origination-error"');
    expect(refused.text).toContain(app.get(Translator).t('site.console.branding.smsOriginationInvalid', 'en'));
    expect(refused.text).toContain('value="+1 312 555 01&lt;00&gt;"');
    expect((await admin.post('/console/branding', form({ sms_enabled: 'yes', sms_origination: '+13125550100' }))).status).toBe(303);
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint.sms).toEqual({
      enabled: true,
      origination_identity: '+13125550100',
    });
    expect((await app.get(BlueprintExporter).export(a.slug))!.blueprint.sms).toEqual({ enabled: true, origination_identity: ORIGIN });
    // Turned off, the number stays (STOP replies to it still count); no box, no texts.
    await admin.post('/console/branding', form({ sms_origination: '+13125550100' }));
    expect((await app.get(BlueprintExporter).export(b.slug))!.blueprint.sms).toEqual({
      enabled: false,
      origination_identity: '+13125550100',
    });
  });

  it('retries a throttled send, and records a refused number as failed without the number in the reason', async () => {
    const [throttled, refused] = ['+14155550101', '+14155550102'];
    sms.script(throttled, ['throttle', 'throttle']);
    sms.script(refused, ['reject']);
    await consent(a, throttled);
    await createTestCase(app, a, { state: 'submitted' });
    await eventually(() => expect(sms.sentTo(throttled)).toHaveLength(1), 15000, 50);
    expect(sms.calls.filter((c) => c.body.DestinationPhoneNumber === throttled).map((c) => c.answer)).toEqual([
      'throttle',
      'throttle',
      'ok',
    ]);

    await consent(a, refused);
    await createTestCase(app, a, { state: 'submitted' });
    await eventually(
      async () => expect((await rows(a)).filter((r) => r.to_number === refused).map((r) => r.status)).toEqual(['failed']),
      15000,
      50,
    );
    const [failed] = await app
      .get(TenantDatabase)
      .forTenant(a.id, (tx): Promise<{ status_reason: string }[]> =>
        tx.query('SELECT status_reason FROM outbound_sms WHERE to_number = $1', [refused]),
      );
    expect(failed.status_reason).toContain('ValidationException');
    expect(failed.status_reason).not.toContain(refused.slice(1));
  });
});
