import { z } from 'zod';

const SUPPORTED_LOCALES = ['en', 'es'] as const;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

const hostname = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'must be a lower-case host name such as secondopinion.example.org');
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written as #rrggbb, e.g. #0b5394');
/** A CSS font stack. Only names, quotes, commas, spaces and hyphens: nothing that could end the declaration. */
const fontStack = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9 ,'"-]+$/, `must be a font stack such as "Georgia, 'Times New Roman', serif"`);
/** A file under the blueprint's assets/ folder. */
const assetPath = z
  .string()
  .regex(/^assets\/[a-z0-9][a-z0-9._-]{0,80}\.(svg|png|jpg|jpeg|webp|ico)$/, 'must be a file in assets/, e.g. assets/logo.svg (lower-case name; svg, png, jpg, webp or ico)');
const localized = z.union(
  [z.string().min(1, 'must not be empty'), z.object({ en: z.string().min(1), es: z.string().min(1).optional() }).strict()],
  { error: 'must be text, or text per language ({ en: ..., es: ... })' },
);

/**
 * `tenants/<slug>/tenant.yaml`, version 1. Objects are strict, so a misspelt key is an error rather than silently
 * ignored. The sites issue adds the catalog, roster and pages as further top-level keys.
 */
export const blueprintSchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be lower-case letters, digits and hyphens (at most 40), e.g. lakeshore'),
    name: z.string().min(1, 'must not be empty').max(200),
    status: z.enum(['active', 'suspended']).default('active'),
    case_prefix: z.string().regex(/^[A-Z]{2,5}$/, 'must be 2 to 5 capital letters, e.g. LKS'),
    locales: z.array(z.enum(SUPPORTED_LOCALES, { error: `must be one of ${SUPPORTED_LOCALES.join(', ')}` })).min(1).default(['en']),
    default_locale: z.enum(SUPPORTED_LOCALES).default('en'),
    time_zone: z.string().refine((tz) => TIME_ZONES.has(tz), 'must be an IANA time zone such as America/Chicago'),
    currency: z.string().refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 currency code such as USD'),
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
    landing: z
      .object({
        hero: z.object({ title: localized, subtitle: localized.optional(), cta: localized.optional() }).strict(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((bp, ctx) => {
    if (bp.primary_domain && !bp.domains.includes(bp.primary_domain)) {
      ctx.addIssue({ code: 'custom', path: ['primary_domain'], message: 'must be one of the domains listed under domains' });
    }
    if (!bp.locales.includes(bp.default_locale)) {
      ctx.addIssue({ code: 'custom', path: ['default_locale'], message: 'must be one of the locales listed under locales' });
    }
    const seen = new Set<string>();
    bp.domains.forEach((d, i) => {
      if (seen.has(d)) ctx.addIssue({ code: 'custom', path: ['domains', i], message: `lists ${d} twice` });
      seen.add(d);
    });
  });

export type Blueprint = z.infer<typeof blueprintSchema>;
