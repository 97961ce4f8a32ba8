import { AppConfig, TenantDatabase } from '@consilium/core';
import { JobQueue, JobRunner } from '@consilium/jobs';
import { EMAIL_MESSAGES, EMAIL_TEMPLATES, EmailRenderer, EmailTemplate, InvalidEmailData, Mailer } from '@consilium/notifications';
import { BlueprintCatalog, ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Handlebars from 'handlebars';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emailJobs, emailRows } from '../support/emails';
import { eventually } from '../support/eventually';
import { isolatedDatabase, IsolatedDatabase } from '../support/isolated-database';
import { tempDir } from '../support/temp-dirs';
import { createTestApp } from '../support/test-app';
import { createTestTenant, TestTenant } from '../support/tenants';

const CASE = 'c0ffee00-1234-4abc-8def-0123456789ab';
const TOKEN = 'Tk4mPq9ZrX2vLw7Nc5Bd1Hf8Gj3Ks6Ya_-0QeRuI';
const REPO_TENANTS = path.join(__dirname, '..', '..', 'tenants');
const VIEWS = path.join(__dirname, '..', '..', 'libs', 'notifications', 'src', 'views', 'emails');
/** The demo hospitals' languages. */
const LOCALES = ['en', 'es'];

/** Valid data for every message. */
const VALID: Record<EmailTemplate, Record<string, unknown>> = {
  'email-verification': { token: TOKEN, expiresInMinutes: 1440 },
  'magic-link': { token: TOKEN, expiresInMinutes: 15 },
  'account-exists': { token: TOKEN, expiresInMinutes: 15 },
  'password-reset': { token: TOKEN, expiresInMinutes: 60, audience: 'staff' },
  'sign-in-failures': { audience: 'patient' },
  'staff-invitation': { token: TOKEN, role: 'physician', expiresInMinutes: 7 * 1440 },
  'new-message': { caseId: CASE, audience: 'patient' },
  'opinion-ready': { caseId: CASE },
  'records-requested': { caseId: CASE },
  'payment-confirmation': { caseId: CASE },
  'case-status-changed': { caseId: CASE, audience: 'staff' },
  'case-assigned': { caseId: CASE },
  'contribution-requested': { caseId: CASE },
  'deadline-reminder': { caseId: CASE, deadline: 'review' },
  'assignment-lapsed': { caseId: CASE, why: 'missed_accept' },
  'local-physician-invitation': { token: TOKEN, expiresInMinutes: 30 * 1440 },
  'follow-invitation': { token: TOKEN, expiresInMinutes: 7 * 1440 },
  'webhook-endpoint-disabled': {},
  'running-late': { caseId: CASE, newDate: Date.UTC(2027, 0, 15, 17) },
  'case-late': { caseId: CASE },
  'request-submitted': { caseId: CASE, triageBy: Date.UTC(2027, 0, 13, 17) },
  'request-accepted': { caseId: CASE, amount: 95000, currency: 'USD', promisedBy: Date.UTC(2027, 0, 20, 17) },
  'request-declined': { caseId: CASE },
  'specialist-assigned': { caseId: CASE },
  'follow-up-answered': { caseId: CASE },
  'check-in-due': { caseId: CASE, day: 30 },
  'refund-issued': { caseId: CASE },
  'request-cancelled': { caseId: CASE },
  'consult-invitation': {
    caseId: CASE,
    consultId: CASE,
    startsAt: Date.UTC(2027, 0, 15, 17),
    endsAt: Date.UTC(2027, 0, 15, 17, 30),
    sequence: 0,
    method: 'REQUEST',
    audience: 'patient',
  },
  'consult-reminder': { caseId: CASE, consultId: CASE, startsAt: Date.UTC(2027, 0, 15, 17), audience: 'staff' },
  'test-message': {},
};

/** Health information a caller might have at hand when it sends an email, each a distinct canary. */
const CANARIES = Object.fromEntries(
  [
    'diagnosis',
    'condition',
    'specialty',
    'symptoms',
    'medication',
    'physicianOpinion',
    'opinionSummary',
    'recordName',
    'recordType',
    'messageBody',
    'caseTitle',
    'question',
    'notes',
    'physicianName',
    'department',
    'subject',
    'status',
    'recipientName',
    'name',
    'reason',
  ].map((field) => [field, `CANARY-${field}-${randomUUID().slice(0, 8)}`]),
);

describe('email content: branding, tenant overrides, no PHI', () => {
  const tenants = tempDir('tenants');
  const outbox = tempDir('outbox');
  let app: NestFastifyApplication;
  let db: IsolatedDatabase;
  let renderer: EmailRenderer;
  let lakeshore: ResolvedTenant;
  let meridian: ResolvedTenant;
  let custom: TestTenant;
  let plain: TestTenant;

  beforeAll(async () => {
    db = await isolatedDatabase('email-content');
    app = await createTestApp({ ...db.env, TENANTS_DIR: tenants.dir, EMAIL_OUTBOX_DIR: outbox.dir, JOBS_POLL_SECONDS: '0.5' });
    renderer = app.get(EmailRenderer);
    const report = await app.get(BlueprintCatalog).apply(['lakeshore', 'meridian'], { root: REPO_TENANTS });
    expect(report.problems).toEqual([]);
    const resolver = app.get(TenantResolver);
    lakeshore = (await resolver.byId(report.results[0].tenantId))!;
    meridian = (await resolver.byId(report.results[1].tenantId))!;
    // Emails are rendered for addresses the tests make up: tenants without people are enough.
    custom = await createTestTenant(app);
    plain = await createTestTenant(app);
    // The override is a file in the tenant's blueprint folder, as in tenants/<slug>/templates/emails/.
    const overrides = path.join(tenants.dir, custom.slug, 'templates', 'emails');
    mkdirSync(path.join(overrides, 'en'), { recursive: true });
    writeFileSync(path.join(overrides, 'en', 'new-message.subject.hbs'), 'News waiting at {{tenant.name}}\n');
    writeFileSync(
      path.join(overrides, 'en', 'new-message.html.hbs'),
      '<p class="custom-body">{{diagnosis}}{{t "notifications.email.greeting"}} Custom words.</p>{{#button link}}Open{{/button}}\n',
    );
    // Without a language folder, an override applies in every language.
    writeFileSync(path.join(overrides, 'new-message.text.hbs'), 'Read it: {{link}}\n');
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    tenants.remove();
    outbox.remove();
  });

  it.each(LOCALES)("renders the same message in each hospital's own brand (%s)", (locale) => {
    const l = renderer.render(lakeshore, 'opinion-ready', locale, VALID['opinion-ready']);
    const m = renderer.render(meridian, 'opinion-ready', locale, VALID['opinion-ready']);
    expect(l.locale).toBe(locale);
    expect(l.subject).toBe(locale === 'es' ? 'Su opinión está lista' : 'Your opinion is ready');
    for (const [email, own, other] of [
      [
        l,
        { name: 'Lakeshore Medical Center', colour: '#0b4f6c', address: '1200 Lakeshore Drive', host: 'lakeshore.localhost' },
        'Meridian',
      ],
      [
        m,
        { name: 'Meridian University Health', colour: '#7a1f3d', address: '400 University Avenue', host: 'meridian.localhost' },
        'Lakeshore',
      ],
    ] as const) {
      expect(email.html).toContain(`<html lang="${locale}">`);
      expect(email.html).toContain(own.name);
      expect(email.html).toContain(`background:${own.colour}`);
      expect(email.html).toContain(own.address);
      expect(email.html).toMatch(new RegExp(`<img src="http://${own.host}:3000/brand/[0-9a-f]{12}/logo.svg"`));
      expect(email.html).toContain(`href="http://${own.host}:3000/account/cases/${CASE}/opinion"`);
      expect(email.text).toContain(own.name);
      expect(email.text).toContain(own.address);
      expect(`${email.subject}${email.html}${email.text}`).not.toContain(other);
    }
    // Lakeshore's legal footer is translated; Meridian has one language for it.
    expect(l.text).toContain(locale === 'es' ? 'es un hospital ficticio' : 'is a fictional hospital');
  });

  it("uses a tenant's override template instead of the platform's, for that tenant only", async () => {
    const overridden = renderer.render(
      (await app.get(TenantResolver).byId(custom.id)) as ResolvedTenant,
      'new-message',
      'en',
      VALID['new-message'],
    );
    expect(overridden.subject).toBe(`News waiting at ${custom.name}`);
    expect(overridden.html).toContain('<p class="custom-body">Hello, Custom words.</p>');
    expect(overridden.text).toContain(`Read it: http://${custom.host}:3000/account/cases/${CASE}`);
    // Still inside the branded layout, with the button in the tenant's colour.
    expect(overridden.html).toContain('background:#123456');
    const other = renderer.render(
      (await app.get(TenantResolver).byId(plain.id)) as ResolvedTenant,
      'new-message',
      'en',
      VALID['new-message'],
    );
    expect(other.subject).toBe('You have a new message');
    expect(other.html).not.toContain('custom-body');
    expect(other.text).not.toContain('Read it:');
  });

  it('says how long a link lasts in words, and leads staff to the console', () => {
    const invitation = renderer.render(lakeshore, 'staff-invitation', 'es', VALID['staff-invitation']);
    expect(invitation.text).toContain('La invitación vence en 7 días.');
    expect(invitation.text).toContain('como médico/a');
    expect(invitation.text).toContain(`http://lakeshore.localhost:3000/console/invitation/${TOKEN}`);
    const reset = renderer.render(lakeshore, 'password-reset', 'en', VALID['password-reset']);
    expect(reset.text).toContain('This link expires in 1 hour.');
    expect(reset.text).toContain(`/console/reset-password/${TOKEN}`);
  });

  it('has one subject, HTML and text template per message, their words by key for every language', () => {
    for (const template of EMAIL_TEMPLATES) {
      for (const part of ['subject', 'html', 'text']) expect(existsSync(path.join(VIEWS, `${template}.${part}.hbs`))).toBe(true);
    }
    expect(readdirSync(VIEWS, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'layouts')).toEqual([]);
  });

  describe('canary PHI', () => {
    const allCanaries = Object.values(CANARIES);
    const leaks = (text: string) => allCanaries.filter((c) => text.includes(c));

    it.each(EMAIL_TEMPLATES)('%s: refuses health information from a caller, without repeating it', async (template) => {
      const error = await app
        .get(TenantDatabase)
        .forTenant(lakeshore.id, (tx) =>
          app.get(Mailer).send(tx, { tenantId: lakeshore.id, to: 'p@example.org', template, data: { ...VALID[template], ...CANARIES } }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEmailData);
      expect((error as InvalidEmailData).fields.sort()).toEqual(Object.keys(CANARIES).sort());
      expect(leaks(String((error as Error).message))).toEqual([]);
    });

    it('renders no canary in any subject or body, in any language, for either hospital', () => {
      let rendered = 0;
      for (const tenant of [lakeshore, meridian]) {
        for (const locale of LOCALES) {
          for (const template of EMAIL_TEMPLATES) {
            // Canaries beside the valid fields are refused by the renderer too (a row written around the Mailer).
            expect(() => renderer.render(tenant, template, locale, { ...VALID[template], ...CANARIES })).toThrow(InvalidEmailData);
            const email = renderer.render(tenant, template, locale, VALID[template]);
            expect(leaks(email.subject + email.html + email.text)).toEqual([]);
            expect(email.subject).not.toMatch(/[\r\n]/);
            rendered++;
          }
        }
      }
      expect(rendered).toBe(2 * LOCALES.length * EMAIL_TEMPLATES.length);
    });

    it('uses no variable in any platform template beyond the catalogue, the brand and the layout words', () => {
      const catalogue = new Set(Object.values(EMAIL_MESSAGES).flatMap((m) => Object.keys(m.data.shape)));
      const allowed = (name: string) =>
        /^(t|tenant|brand)(\.|$)/.test(name) ||
        // expiresIn and amountText are the renderer's words for catalogue fields (minutes; an amount and its currency).
        ['link', 'lang', 'subject', 'body', 'expiresIn', 'amountText', 'this', 'address', 'phone', 'email'].includes(name) ||
        catalogue.has(name);
      const used = new Map<string, string>();
      const visit = (node: unknown, file: string): void => {
        if (!node || typeof node !== 'object') return;
        const n = node as { type?: string; original?: string };
        if (
          n.type === 'PathExpression' &&
          n.original &&
          n.original !== 'button' &&
          n.original !== 'if' &&
          n.original !== 'with' &&
          n.original !== 'eq'
        )
          used.set(`${file}:${n.original}`, n.original);
        for (const value of Object.values(node)) (Array.isArray(value) ? value : [value]).forEach((v) => visit(v, file));
      };
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
        );
      for (const file of walk(VIEWS)) visit(Handlebars.parse(readFileSync(file, 'utf8')), path.relative(VIEWS, file));
      expect(used.size).toBeGreaterThan(50);
      expect([...used].filter(([, name]) => !allowed(name)).map(([where]) => where)).toEqual([]);
    });

    it('fails the job, sending nothing, when a row carries health information around the Mailer', async () => {
      // A bug elsewhere writes the row directly. The worker re-checks the data and refuses it permanently.
      const id = randomUUID();
      const jobs = app.get(JobRunner);
      await app.get(TenantDatabase).forTenant(plain.id, async (tx) => {
        await tx.query(
          `INSERT INTO outbound_emails (tenant_id, id, template, to_address, data) VALUES ($1, $2, 'new-message', 'q@example.org', $3)`,
          [plain.id, id, JSON.stringify({ caseId: CASE, diagnosis: CANARIES.diagnosis })],
        );
        await app.get(JobQueue).enqueue(tx, 'send-email', { tenantId: plain.id, messageId: id });
      });
      await jobs.start();
      try {
        await eventually(async () => expect((await emailJobs(db.owner, [id]))[0]?.state).toBe('failed'), 15000);
      } finally {
        await jobs.stop();
      }
      const [job] = await emailJobs(db.owner, [id]);
      expect(job.output).toMatchObject({ code: 'invalid_data', permanent: true });
      expect(leaks(JSON.stringify(job.output))).toEqual([]);
      const [row] = await emailRows(app, plain.id, [id]);
      expect(row).toMatchObject({ status: 'failed', data: null });
      expect(existsSync(path.join(outbox.dir, `${id}.eml`))).toBe(false);
      expect(app.get(AppConfig).email.outboxDir).toBe(outbox.dir);
    });
  });
});
