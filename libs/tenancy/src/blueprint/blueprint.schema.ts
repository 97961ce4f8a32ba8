import { isPlatformLocale } from '@consilium/core';
import { z } from 'zod';
import {
  assetPath,
  isoDate,
  licensureRoute,
  wholeNumber,
  locale,
  localized,
  money,
  slug as specialtySlug,
  usState,
} from './blueprint-fields';
import { duplicates, offeringSchema, priceRuleSchema, specialtySchema } from './blueprint-catalog.schema';
import { physicianSchema } from './blueprint-roster.schema';
import { IDP_METADATA_PROBLEMS, parseIdpMetadata } from './saml-metadata';
import { faqSchema, fundingProgramSchema, landingSchema, pagesSchema, seoSchema, testimonialSchema } from './blueprint-site.schema';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

const hostname = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
    'must be a lower-case host name such as secondopinion.example.org',
  );
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written as #rrggbb, e.g. #0b5394');
/** A CSS font stack. Only names, quotes, commas, spaces and hyphens: nothing that could end the declaration. */
const fontStack = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9 ,'"-]+$/, `must be a font stack such as "Georgia, 'Times New Roman', serif"`);
/** A display name for the From header: no quotes, angle brackets or line breaks, which could forge headers. */
const displayName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\r\n<>"\\]+$/, 'must be a plain name, without quotes, angle brackets or line breaks');

/** Refunds when the opinion is later than promised: from `after_days` business days late (the hospital's, as the promise counts them), `percent` of what was paid. */
const lateRefunds = z
  .array(z.object({ after_days: wholeNumber(0, 365, 'days'), percent: wholeNumber(1, 100, 'percent') }).strict())
  .max(5)
  .default([]);

/**
 * `tenants/<slug>/tenant.yaml`, version 1. Objects are strict, so a misspelt key is an error rather than silently
 * ignored. The format belongs to tenancy; each domain lib applies and exports its own sections (BlueprintSection).
 */
export const blueprintSchema = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be lower-case letters, digits and hyphens (at most 40), e.g. lakeshore'),
    name: z.string().min(1, 'must not be empty').max(200),
    status: z.enum(['active', 'suspended', 'coming_soon'], { error: 'must be active, suspended or coming_soon' }).default('active'),
    /**
     * A demonstration hospital (the two in tenants/ are). Only these get the embedded default's demo accounts, with
     * their published password; a real hospital never does, wherever its blueprint is applied.
     */
    demo: z.boolean({ error: 'must be true or false' }).default(false),
    case_prefix: z.string().regex(/^[A-Z]{2,5}$/, 'must be 2 to 5 capital letters, e.g. LKS'),
    locales: z.array(locale).min(1).default(['en']),
    // Checked against `locales` below: an unsupported language is reported once, where it is listed.
    default_locale: z.string().default('en'),
    time_zone: z.string().refine((tz) => TIME_ZONES.has(tz), 'must be an IANA time zone such as America/Chicago'),
    currency: z.string().refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 currency code such as USD'),
    /**
     * Refunds by rule, applied by a job: the hospital's late rules, and an offering's own in place of them. A declined
     * or cancelled request is never charged (the hold is released); nothing is refunded by rule after delivery.
     */
    refunds: z
      .object({ late: lateRefunds, offerings: z.record(z.string(), z.object({ late: lateRefunds }).strict()).default({}) })
      .strict()
      .optional(),
    /** Days the program is closed, in the hospital's time zone: promised dates count business days around them. */
    holidays: z.array(isoDate).max(400).default([]),
    /**
     * Texts to patients who opt in (off by default): a short keyed text and a link at each milestone.
     * `origination_identity` is the number, sender id or pool the texts leave from (AWS End User Messaging).
     */
    sms: z
      .object({
        enabled: z.boolean(),
        origination_identity: z
          .string()
          .regex(/^[A-Za-z0-9:/+_-]{1,256}$/, 'must be a phone number, sender id, pool id or ARN')
          .optional(),
      })
      .strict()
      .optional(),
    domains: z.array(hostname).default([]),
    primary_domain: hostname.optional(),
    contact: z
      .object({
        phone: z.string().max(40).optional(),
        email: z.email('must be an email address').optional(),
        address: z.string().max(300).optional(),
      })
      .strict()
      .default({}),
    legal_footer: localized.optional(),
    branding: z
      .object({
        logo: assetPath,
        logo_alt: z.string().max(200).optional(),
        favicon: assetPath.optional(),
        colors: z
          .object({
            primary: colour,
            accent: colour,
            text: colour.default('#1a1a1a'),
            background: colour.default('#ffffff'),
          })
          .strict(),
        fonts: z
          .object({
            heading: fontStack.default('system-ui, sans-serif'),
            body: fontStack.default('system-ui, sans-serif'),
          })
          .strict()
          .default({ heading: 'system-ui, sans-serif', body: 'system-ui, sans-serif' }),
      })
      .strict(),
    /** Who the hospital's email comes from (applied by notifications). Without it: a placeholder, outbox only. */
    email: z
      .object({
        from_name: displayName,
        from_address: z.email('must be an email address, verified in SES for this hospital (the address or its domain)'),
        reply_to: z.email('must be an email address').optional(),
        ses_configuration_set: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES configuration set name (letters, digits, _ and -)')
          .optional(),
      })
      .strict()
      .optional(),
    licensure: z
      .object({
        /** The hospital's own state: in-state prices apply there. */
        home_state: usState.optional(),
        unlicensed_states: licensureRoute.default('decline'),
        international: licensureRoute.default('decline'),
      })
      .strict()
      .default({ unlicensed_states: 'decline', international: 'decline' }),
    seo: seoSchema.optional(),
    landing: landingSchema.optional(),
    specialties: z.array(specialtySchema).default([]),
    offerings: z.array(offeringSchema).default([]),
    price_rules: z.array(priceRuleSchema).default([]),
    physicians: z.array(physicianSchema).default([]),
    funding_programs: z.array(fundingProgramSchema).default([]),
    faqs: z.array(faqSchema).default([]),
    testimonials: z.array(testimonialSchema).default([]),
    pages: pagesSchema.default({}),
    /**
     * What the analytics cannot learn from the cases (applied by analytics): the program's fixed monthly cost, and
     * what a procedure is worth per specialty where staff recorded one without a value. Both in minor units.
     * Left out, the values admins set on the analytics page stay as they are.
     */
    /**
     * Staff single sign-on (applied by identity): the hospital's OpenID provider. The client secret is never in this
     * file: `client_secret_env` names the platform's environment variable that holds it. Left out, whatever the
     * hospital's admin set in the console stays.
     */
    sso: z
      .object({
        oidc: z
          .object({
            name: z.string().min(1, 'must not be empty').max(80),
            issuer: z.url({ protocol: /^https?$/, error: 'must be the provider’s issuer URL, e.g. https://login.example.org' }),
            client_id: z.string().min(1, 'must not be empty').max(255),
            client_secret: z
              .never({ error: 'secrets never go in a blueprint: put it in an environment variable and name it under client_secret_env' })
              .optional(),
            client_secret_env: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an environment variable name such as LAKESHORE_OIDC_SECRET'),
            allowed_domains: z.array(hostname).min(1, 'must list at least one email domain, e.g. lakeshore.example.org'),
            role_claim: z.string().min(1).max(100).default('groups'),
            roles: z
              .record(z.string().min(1).max(200), z.enum(['admin', 'coordinator', 'physician'], 'must be admin, coordinator or physician'))
              .refine((map) => Object.keys(map).length > 0, 'must map at least one group to a role, e.g. doctors: physician'),
            mfa_acr_values: z.array(z.string().min(1).max(200)).default([]),
            require_sso: z.boolean({ error: 'must be true or false' }).default(false),
            break_glass_email: z.email('must be an email address').optional(),
          })
          .strict()
          .superRefine((oidc, ctx) => {
            // Checked where the blueprint is validated or applied: the platform's environment must hold the secret.
            if (/^[A-Z][A-Z0-9_]*$/.test(oidc.client_secret_env) && !process.env[oidc.client_secret_env])
              ctx.addIssue({
                code: 'custom',
                path: ['client_secret_env'],
                message: `names ${oidc.client_secret_env}, which is not set: set it to the client secret your identity provider gave`,
              });
            if (oidc.require_sso && !oidc.break_glass_email)
              ctx.addIssue({
                code: 'custom',
                path: ['break_glass_email'],
                message: 'must name the break-glass admin when require_sso is true',
              });
          })
          .optional(),
        /** A SAML 2.0 IdP: its metadata XML as a block (`metadata: |`), as the IdP publishes it. */
        saml: z
          .object({
            name: z.string().min(1, 'must not be empty').max(80),
            metadata: z.string().max(200_000),
            allowed_domains: z.array(hostname).min(1, 'must list at least one email domain, e.g. lakeshore.example.org'),
            role_attribute: z.string().min(1).max(200).default('groups'),
            roles: z
              .record(z.string().min(1).max(200), z.enum(['admin', 'coordinator', 'physician'], 'must be admin, coordinator or physician'))
              .refine((map) => Object.keys(map).length > 0, 'must map at least one group to a role, e.g. doctors: physician'),
            mfa_contexts: z.array(z.string().min(1).max(200)).default([]),
            require_sso: z.boolean({ error: 'must be true or false' }).default(false),
            break_glass_email: z.email('must be an email address').optional(),
          })
          .strict()
          .superRefine((saml, ctx) => {
            const parsed = parseIdpMetadata(saml.metadata);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['metadata'], message: IDP_METADATA_PROBLEMS[parsed.problem] });
            if (saml.require_sso && !saml.break_glass_email)
              ctx.addIssue({
                code: 'custom',
                path: ['break_glass_email'],
                message: 'must name the break-glass admin when require_sso is true',
              });
          })
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * Quality before release (applied by opinions): `none` sends a signed opinion straight to the patient;
     * `second_physician` or `medical_director` holds it for that check first. Left out, the console's choice stays.
     */
    quality_check: z
      .enum(['none', 'second_physician', 'medical_director'], { error: 'must be none, second_physician or medical_director' })
      .optional(),
    analytics: z
      .object({
        monthly_cost: money.default(0),
        procedure_values: z.record(specialtySlug, money).default({}),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((bp, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (bp.primary_domain && !bp.domains.includes(bp.primary_domain))
      issue(['primary_domain'], 'must be one of the domains listed under domains');
    if (!bp.locales.includes(bp.default_locale)) issue(['default_locale'], 'must be one of the locales listed under locales');
    duplicates(bp.domains, (i, d) => issue(['domains', i], `lists ${d} twice`));
    duplicates(bp.locales, (i, l) => issue(['locales', i], `lists ${l} twice`));
    duplicates(bp.holidays, (i, d) => issue(['holidays', i], `lists ${d} twice`));
    const offeringSlugs = new Set(bp.offerings.map((o) => o.slug));
    for (const slug of Object.keys(bp.refunds?.offerings ?? {}))
      if (!offeringSlugs.has(slug)) issue(['refunds', 'offerings', slug], `no offering "${slug}" under offerings`);

    const specialties = new Set(bp.specialties.map((s) => s.slug));
    const unknownSpecialty = (s: string) => `no specialty "${s}" under specialties`;
    duplicates(
      bp.specialties.map((s) => s.slug),
      (i, s) => issue(['specialties', i, 'slug'], `lists ${s} twice`),
    );
    duplicates(
      bp.offerings.map((o) => o.slug),
      (i, s) => issue(['offerings', i, 'slug'], `lists ${s} twice`),
    );
    bp.offerings.forEach((o, i) => !specialties.has(o.specialty) && issue(['offerings', i, 'specialty'], unknownSpecialty(o.specialty)));
    duplicates(
      bp.physicians.map((p) => p.slug),
      (i, s) => issue(['physicians', i, 'slug'], `lists ${s} twice`),
    );
    bp.physicians.forEach((p, i) =>
      p.specialties.forEach((s, j) => !specialties.has(s) && issue(['physicians', i, 'specialties', j], unknownSpecialty(s))),
    );
    duplicates(
      bp.funding_programs.map((f) => f.slug),
      (i, s) => issue(['funding_programs', i, 'slug'], `lists ${s} twice`),
    );
    bp.funding_programs.forEach(
      (f, i) => f.specialty && !specialties.has(f.specialty) && issue(['funding_programs', i, 'specialty'], unknownSpecialty(f.specialty)),
    );
    Object.keys(bp.analytics?.procedure_values ?? {}).forEach(
      (s) => !specialties.has(s) && issue(['analytics', 'procedure_values', s], unknownSpecialty(s)),
    );
    duplicates(
      bp.price_rules.map((r) => r.region),
      (i, r) => issue(['price_rules', i, 'region'], `lists ${r} twice`),
    );
    bp.price_rules.forEach((r, i) => {
      if (r.region === 'in_state' && !bp.licensure.home_state)
        issue(['price_rules', i, 'region'], "in_state needs licensure.home_state (the hospital's own state)");
    });
    const offered = new Set(bp.offerings.map((o) => o.specialty));
    bp.specialties.forEach(
      (s, i) =>
        !offered.has(s.slug) &&
        issue(['specialties', i, 'slug'], `${s.slug} has no offering: add one under offerings, or remove the specialty`),
    );
    // Only languages the platform has: an unsupported one was reported once, under locales.
    missingTranslations(bp, bp.locales.filter(isPlatformLocale), [], issue);
  });

export type Blueprint = z.infer<typeof blueprintSchema>;
/** What a blueprint file may say before defaults are filled in (what `export` writes and tests build). */
export type BlueprintInput = z.input<typeof blueprintSchema>;

const LOCALE_KEY = /^[a-z]{2,3}(-[A-Z]{2})?$/;

/**
 * Text given per language must be given in every language the site offers: a Spanish page showing one English
 * sentence would also be marked up as Spanish. Text given once (a name) is the same in every language.
 */
function missingTranslations(
  value: unknown,
  locales: string[],
  at: (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => missingTranslations(v, locales, [...at, i], issue));
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (
      keys.length &&
      keys.every((k) => LOCALE_KEY.test(k)) &&
      keys.every((k) => typeof (value as Record<string, unknown>)[k] === 'string')
    ) {
      // `fr` text serves `fr-CA` too (the region changes formats, not words).
      for (const l of locales)
        if (!keys.includes(l) && !keys.includes(l.split('-')[0])) issue(at, `needs its ${l} text too, since locales lists ${l}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) missingTranslations(v, locales, [...at, k], issue);
  }
}
