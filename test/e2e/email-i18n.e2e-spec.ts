import { enablePseudoLocale, PSEUDO_LOCALE, Translator } from '@consilium/core';
import { EMAIL_MESSAGES, EMAIL_TEMPLATES, EmailRenderer, EmailTemplate } from '@consilium/notifications';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { expectNoLeaks } from '../support/leak-detector';
import { createTestApp } from '../support/test-app';
import { createTestTenant } from '../support/tenants';

// Before the app exists: the pseudo-locale is then a platform language like any catalog, nothing else enabled.
enablePseudoLocale();

/** Every platform language, a regional one (French words, Canadian formats), and the pseudo-locale. */
const LOCALES = ['en', 'es', 'fr', 'fr-CA', PSEUDO_LOCALE];

/** Values for the catalogue's non-enum fields; enums are taken from the catalogue, so a new choice is covered. */
const SAMPLES: Record<string, unknown[]> = {
  caseId: ['c0ffee00-1234-4abc-8def-0123456789ab'],
  token: ['Tk4mPq9ZrX2vLw7Nc5Bd1Hf8Gj3Ks6Ya_-0QeRuI'],
  // One, and more than one, of each unit: each language has its own plural rules.
  expiresInMinutes: [1, 15, 60, 120, 1440, 7 * 1440, 30 * 1440],
  // A moment (a promised date), shown as a date in the hospital's time zone and the reader's language.
  newDate: [Date.UTC(2027, 0, 15, 17), Date.UTC(2027, 11, 31, 23, 30)],
  triageBy: [Date.UTC(2027, 0, 13, 17)],
  promisedBy: [Date.UTC(2027, 0, 20, 17)],
  // Nothing to pay (fully funded), and an amount.
  amount: [0, 95000],
  currency: ['USD', 'EUR'],
  day: [30, 90],
  refundAfterDays: [0, 1, 3],
  refundPercent: [50, 100],
  // A video consult: its id (the calendar UID), its times, and how often it changed.
  consultId: ['d0c70000-1234-4abc-8def-0123456789ab'],
  startsAt: [Date.UTC(2027, 0, 15, 17), Date.UTC(2027, 6, 1, 8, 30)],
  endsAt: [Date.UTC(2027, 0, 15, 17, 30)],
  sequence: [0, 3],
};

/** The choices of an enum field (with "absent" when it is optional), or the samples above; a new field fails here. */
function valuesOf(name: string, schema: z.ZodType): unknown[] {
  let inner = schema;
  let optional = false;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    optional ||= inner instanceof z.ZodOptional;
    inner = inner.unwrap() as z.ZodType;
  }
  if (inner instanceof z.ZodEnum) return [...(optional ? [undefined] : []), ...inner.options];
  if (!SAMPLES[name]) throw new Error(`no sample data for the email field "${name}": add one to SAMPLES`);
  return SAMPLES[name];
}

/** Each message's data, once per value of each field (the others at their first value). */
function generated(template: EmailTemplate): Record<string, unknown>[] {
  const shape = (EMAIL_MESSAGES[template].data as z.ZodObject).shape as Record<string, z.ZodType>;
  const fields = Object.entries(shape).map(([name, schema]) => [name, valuesOf(name, schema)] as const);
  const base = Object.fromEntries(fields.map(([name, values]) => [name, values[0]]));
  const variants = fields.flatMap(([name, values]) => values.slice(1).map((value) => ({ ...base, [name]: value })));
  return [base, ...variants];
}

/**
 * Every email, in every language, with generated data: subject, HTML and text show only words of the reader's
 * language (the hospital's name and address are its own data), and each is written in the language asked for.
 */
describe('every email in the reader’s language', () => {
  let app: NestFastifyApplication;
  let translator: Translator;
  let renderer: EmailRenderer;
  let tenant: ResolvedTenant;
  let data: string[];

  beforeAll(async () => {
    app = await createTestApp();
    translator = app.get(Translator);
    renderer = app.get(EmailRenderer);
    const address = '1 Test Plaza, Albany, NY';
    // Emails are rendered for addresses the tests make up: a tenant without people is enough.
    const created = await createTestTenant(app, {
      locales: LOCALES,
      default_locale: 'en',
      contact: { phone: '+1 555 0100', email: 'help@hospital.example', address },
    });
    tenant = (await app.get(TenantResolver).byId(created.id))!;
    // The hospital's name and address are its data (the HTML marks the address translate="no"; plain text cannot).
    data = [created.name, address];
  });

  afterAll(() => app.close());

  it.each(LOCALES)('in %s', (locale) => {
    let rendered = 0;
    for (const template of EMAIL_TEMPLATES) {
      for (const values of generated(template)) {
        const email = renderer.render(tenant, template, locale, values);
        const what = `${template} ${JSON.stringify(values)}`;
        expect({ what, locale: email.locale }).toEqual({ what, locale });
        expect(email.html).toContain(`<html lang="${locale}">`);
        expectNoLeaks(email.html, { locale, translator, allow: data, page: `${what} (HTML)` });
        expectNoLeaks(email.subject, { locale, translator, allow: data, page: `${what} (subject)` });
        expectNoLeaks(email.text, { locale, translator, allow: data, page: `${what} (text)` });
        rendered++;
      }
    }
    // 15 messages, with every choice of their enums and durations.
    expect(rendered).toBeGreaterThan(40);
  });

  it('says how long a link lasts with each language’s plurals, and picks the sentence for each choice', () => {
    const say = (template: EmailTemplate, locale: string, values: Record<string, unknown>) =>
      renderer.render(tenant, template, locale, values).text;
    const token = SAMPLES.token[0];
    expect(say('magic-link', 'fr', { token, expiresInMinutes: 1 })).toContain('expire dans 1 minute.');
    expect(say('magic-link', 'fr', { token, expiresInMinutes: 120 })).toContain('expire dans 2 heures.');
    expect(say('staff-invitation', 'es', { token, expiresInMinutes: 1440 })).toContain('La invitación vence en 1 día.');
    expect(say('staff-invitation', 'fr', { token, expiresInMinutes: 1440, role: 'admin' })).toContain(
      'en tant qu’administrateur ou administratrice.',
    );
    expect(say('staff-invitation', 'en', { token, expiresInMinutes: 1440 })).toContain(`second opinion team of ${tenant.name}.`);
    const lapsed = (why: string) => say('assignment-lapsed', 'en', { caseId: SAMPLES.caseId[0], why });
    expect(lapsed('declined')).toContain('A physician declined a case');
    expect(lapsed('missed_accept')).toContain('did not accept a case');
    expect(lapsed('missed_review')).toContain('did not deliver an opinion');
  });
});
