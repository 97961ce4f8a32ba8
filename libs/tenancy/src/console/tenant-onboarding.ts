import { Injectable } from '@nestjs/common';
import { AppConfig, FieldProblems, msg, platformLocales, rows, TenantDatabase } from '@consilium/core';
import { ApplyResult, BlueprintApplier } from '../blueprint/blueprint-applier';
import { TenantDirectory } from '../tenant-directory';
import { LoadedAsset } from '../blueprint/blueprint-loader';
import { BlueprintInput, blueprintSchema } from '../blueprint/blueprint.schema';
import { starterCatalog } from './starter-catalog';

/** What the operator's onboarding wizard asks; the rest of a hospital (catalog, roster, copy) its admin adds. */
export interface OnboardingInput {
  name: string;
  slug: string;
  casePrefix: string;
  timeZone: string;
  currency: string;
  locales: string[];
  defaultLocale: string;
  /** A custom domain to serve the site on (and canonical URLs to point at); empty: `<slug>.<platform domain>`. */
  primaryDomain?: string;
  colors: { primary: string; accent: string; text: string; background: string };
  logo: LoadedAsset;
  /** Shown on the site's contact page and in the footer of its emails. */
  contact: { phone?: string; email?: string; address?: string };
  licensure: { homeState?: string; unlicensedStates: string; international: string };
  /** Copy the built-in "general second-opinion program" (specialties, offerings, intake questions) to start from. */
  starterCatalog?: boolean;
}

export type OnboardingResult = { ok: true; result: ApplyResult; host: string } | { ok: false; errors: FieldProblems };

/** Where each blueprint path is typed in the wizard. */
const FIELD_OF: Record<string, string> = {
  slug: 'slug',
  name: 'name',
  case_prefix: 'case_prefix',
  time_zone: 'time_zone',
  currency: 'currency',
  locales: 'locales',
  default_locale: 'default_locale',
  domains: 'primary_domain',
  primary_domain: 'primary_domain',
  'branding.colors.primary': 'color_primary',
  'branding.colors.accent': 'color_accent',
  'branding.colors.text': 'color_text',
  'branding.colors.background': 'color_background',
  'licensure.home_state': 'home_state',
  'licensure.unlicensed_states': 'unlicensed_states',
  'licensure.international': 'international',
  'contact.phone': 'contact_phone',
  'contact.email': 'contact_email',
  'contact.address': 'contact_address',
};

/**
 * The operator console's onboarding: the wizard's answers become a blueprint, checked by the blueprint's own schema
 * and applied by the same BlueprintApplier as `tenants apply`, so both paths write the same tables and
 * `tenants export` gives the new hospital back as a folder. An existing slug or a host another hospital uses is a
 * field error, never an update of someone else's tenant.
 */
@Injectable()
export class TenantOnboarding {
  constructor(
    private readonly applier: BlueprintApplier,
    private readonly db: TenantDatabase,
    private readonly directory: TenantDirectory,
    private readonly config: AppConfig,
  ) {}

  async create(input: OnboardingInput): Promise<OnboardingResult> {
    const blueprint: BlueprintInput = {
      slug: input.slug,
      name: input.name,
      // Live for its staff at once; for the public once its admin passes the launch checklist and launches it.
      status: 'coming_soon',
      case_prefix: input.casePrefix,
      locales: input.locales,
      default_locale: input.defaultLocale,
      time_zone: input.timeZone,
      currency: input.currency,
      domains: input.primaryDomain ? [input.primaryDomain] : [],
      primary_domain: input.primaryDomain || undefined,
      contact: {
        phone: input.contact.phone || undefined,
        email: input.contact.email || undefined,
        address: input.contact.address || undefined,
      },
      branding: { logo: `assets/${input.logo.name}`, logo_alt: input.name, colors: input.colors },
      licensure: {
        home_state: input.licensure.homeState || undefined,
        unlicensed_states: input.licensure.unlicensedStates as 'decline',
        international: input.licensure.international as 'decline',
      },
      ...(input.starterCatalog ? starterCatalog(input.locales, input.currency) : {}),
    };
    const parsed = blueprintSchema.safeParse(blueprint);
    const errors: FieldProblems = {};
    // The site's contact page and its emails need both; a blueprint may leave them out, the wizard may not.
    if (!input.contact.phone) errors.contact_phone = msg('site.operator.contactPhoneRequired');
    if (!input.contact.email) errors.contact_email = msg('site.operator.contactEmailRequired');
    if (!parsed.success) {
      // The blueprint's own words are the CLI's (English, for a YAML file); the wizard says what each field needs.
      for (const issue of parsed.error.issues) {
        const at = issue.path.filter((p) => typeof p === 'string').join('.');
        const field = FIELD_OF[at] ?? FIELD_OF[String(issue.path[0])] ?? '_form';
        errors[field] ??=
          field === 'locales'
            ? msg('site.operator.invalid.locales', { languages: platformLocales().join(', ') })
            : field.startsWith('contact_')
              ? msg(`site.operator.${field === 'contact_email' ? 'contactEmailInvalid' : 'contactInvalid'}`)
              : msg(`site.operator.invalid.${field.startsWith('color_') ? 'color' : field}`);
      }
      return { ok: false, errors };
    }
    const host = input.primaryDomain || this.config.platformHostFor(input.slug);
    const hosts = [this.config.platformHostFor(input.slug), ...(input.primaryDomain ? [input.primaryDomain] : [])];
    const slugTaken = (await this.directory.idOf(input.slug)) !== null;
    // Hosts are looked up before any tenant, through tenant_domains' host_lookup policy (as the resolver does).
    const hostsTaken = (
      await this.db.withoutTenant((tx) => rows<{ host: string }>(tx, 'SELECT host FROM tenant_domains WHERE host = ANY($1)', [hosts]))
    ).map((r) => r.host);
    if (slugTaken) errors.slug = msg('site.operator.slugTaken', { slug: input.slug });
    if (await this.directory.casePrefixOwner(parsed.data.case_prefix)) {
      errors.case_prefix = msg('site.operator.casePrefixTaken', { prefix: parsed.data.case_prefix });
    }
    if (hostsTaken.length)
      errors[input.primaryDomain && hostsTaken.includes(input.primaryDomain) ? 'primary_domain' : 'slug'] ??= msg(
        'site.operator.hostTaken',
        {
          host: hostsTaken.join(', '),
        },
      );
    if (input.slug === this.config.operatorHost.split('.')[0]) errors.slug ??= msg('site.operator.slugReserved');
    if (Object.keys(errors).length) return { ok: false, errors };
    const result = await this.applier.apply({
      dir: '(operator console)',
      file: 'operator console',
      blueprint: parsed.data,
      assets: [input.logo],
    });
    return { ok: true, result, host };
  }
}
