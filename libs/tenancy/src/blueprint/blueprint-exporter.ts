import { Injectable } from '@nestjs/common';
import { AppConfig, TenantDatabase } from '@consilium/core';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { Document } from 'yaml';
import { TenantAsset } from '../tenant-asset.entity';
import { TenantDomain } from '../tenant-domain.entity';
import { Tenant } from '../tenant.entity';
import { TenantDirectory } from '../tenant-directory';
import { parseInCurrency } from './blueprint-fields';
import { moneyAsText } from './blueprint-money';
import { BlueprintSections } from './blueprint-section';
import { BlueprintInput, blueprintSchema } from './blueprint.schema';

/** tenant.yaml keys in the order a person reads them. */
const KEY_ORDER: (keyof BlueprintInput)[] = [
  'slug',
  'name',
  'status',
  'demo',
  'case_prefix',
  'locales',
  'default_locale',
  'time_zone',
  'currency',
  'holidays',
  'refunds',
  'sms',
  'domains',
  'primary_domain',
  'contact',
  'legal_footer',
  'branding',
  'licensure',
  'seo',
  'landing',
  'specialties',
  'offerings',
  'price_rules',
  'physicians',
  'funding_programs',
  'faqs',
  'testimonials',
  'pages',
  'email',
  'sso',
  'analytics',
];

export interface ExportedBlueprint {
  blueprint: BlueprintInput;
  assets: { name: string; bytes: Buffer }[];
}

/**
 * Writes a tenant back out as a blueprint folder (tenant.yaml, assets/, templates/) that re-applies to the same
 * site: what an operator console edit or an admin's changes made becomes code again. Deactivated rows (removed from
 * an earlier blueprint) are not exported, exactly as if they had been removed from the file.
 */
@Injectable()
export class BlueprintExporter {
  constructor(
    private readonly db: TenantDatabase,
    private readonly directory: TenantDirectory,
    private readonly config: AppConfig,
    private readonly sections: BlueprintSections,
  ) {}

  async export(slug: string): Promise<ExportedBlueprint | null> {
    const tenantId = await this.directory.idOf(slug);
    if (!tenantId) return null;
    // Everything else is the hospital's own rows, read in its own transaction (row-level security applies).
    return this.db.forTenant(tenantId, (tx) => this.exportIn(tx, tenantId));
  }

  /**
   * What the applier compares to notice console edits: the tenant's own keys under `tenant`, and each section's
   * export under its name, so an app that mounts fewer sections (a CLI, a test) compares only what it has.
   */
  async snapshotIn(tx: EntityManager, tenantId: string): Promise<Record<string, unknown> | null> {
    const exported = await this.exportIn(tx, tenantId, false);
    if (!exported) return null;
    const snapshot: Record<string, unknown> = { tenant: exported.blueprint };
    for (const section of this.sections.all()) snapshot[section.name] = tidy(await section.export(tx, tenantId));
    return JSON.parse(JSON.stringify(snapshot)) as Record<string, unknown>;
  }

  /** The tenant as a blueprint, read in `tx`; without `sections`, only the keys of the tenant row and its domains. */
  async exportIn(tx: EntityManager, tenantId: string, sections = true): Promise<ExportedBlueprint | null> {
    const tenant = await tx.findOneBy(Tenant, { id: tenantId });
    if (!tenant) return null;
    const slug = tenant.slug;
    const domains = await tx.find(TenantDomain, { where: { tenantId: tenant.id }, order: { createdAt: 'ASC', host: 'ASC' } });
    const assets = await tx.find(TenantAsset, { where: { tenantId: tenant.id }, order: { name: 'ASC' } });
    const platformHost = this.config.platformHostFor(slug);
    const primary = domains.find((d) => d.isPrimary)?.host;
    const { branding, profile, settings } = tenant;
    const base: BlueprintInput = {
      slug,
      name: tenant.name,
      status: tenant.status,
      demo: settings?.demo ? true : undefined,
      case_prefix: tenant.casePrefix,
      locales: profile.locales ?? [tenant.defaultLocale],
      default_locale: tenant.defaultLocale,
      time_zone: tenant.timeZone,
      currency: tenant.currency.trim(),
      holidays: settings?.holidays?.length ? settings.holidays : undefined,
      sms: settings?.sms
        ? {
            enabled: settings.sms.enabled,
            ...(settings.sms.originationIdentity ? { origination_identity: settings.sms.originationIdentity } : {}),
          }
        : undefined,
      refunds: settings?.refunds
        ? {
            late: settings.refunds.late.map((r) => ({ after_days: r.afterDays, percent: r.percent })),
            offerings: Object.fromEntries(
              Object.entries(settings.refunds.offerings ?? {}).map(([slug, o]) => [
                slug,
                { late: o.late.map((r) => ({ after_days: r.afterDays, percent: r.percent })) },
              ]),
            ),
          }
        : undefined,
      domains: domains.map((d) => d.host).filter((h) => h !== platformHost),
      primary_domain: primary && primary !== platformHost ? primary : undefined,
      contact: profile.contact,
      legal_footer: profile.legalFooter,
      branding: {
        logo: `assets/${branding.logo}`,
        logo_alt: branding.logoAlt,
        favicon: branding.favicon ? `assets/${branding.favicon}` : undefined,
        colors: branding.colors,
        fonts: branding.fonts,
      },
      licensure: {
        home_state: settings?.homeJurisdiction,
        unlicensed_states: settings?.licensure?.unlicensedStates ?? 'decline',
        international: settings?.licensure?.international ?? 'decline',
      },
    };
    let blueprint: BlueprintInput = base;
    if (sections) for (const section of this.sections.all()) blueprint = { ...blueprint, ...(await section.export(tx, tenant.id)) };
    // Parsing puts every key back in the schema's order (jsonb sorts them); should the database hold something
    // the schema refuses, it is written as is, and `tenants validate` will say what to fix.
    // Amounts are minor units in the database and text in the hospital's currency in the file ("950.00").
    const currency = tenant.currency.trim();
    const written = moneyAsText(tidy(blueprint), currency);
    const parsed = parseInCurrency(currency, () => blueprintSchema.safeParse(written));
    return {
      blueprint: tidy(parsed.success ? moneyAsText(parsed.data as BlueprintInput, currency) : written),
      assets: assets.map((a) => ({ name: a.name, bytes: a.bytes })),
    };
  }

  /** Writes `<outRoot>/<slug>/`; returns the folder, or null when there is no such tenant. */
  async write(slug: string, outRoot: string): Promise<string | null> {
    const exported = await this.export(slug);
    if (!exported) return null;
    const dir = path.join(outRoot, slug);
    const templates = path.join(this.config.tenantsDir, slug, 'templates');
    rmSync(path.join(dir, 'assets'), { recursive: true, force: true });
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'tenant.yaml'), toYaml(exported.blueprint));
    for (const asset of exported.assets) writeFileSync(path.join(dir, 'assets', asset.name), asset.bytes);
    // Templates live only as files: they travel with the blueprint they came with.
    if (existsSync(templates) && path.resolve(templates) !== path.resolve(dir, 'templates')) {
      cpSync(templates, path.join(dir, 'templates'), { recursive: true });
    }
    return dir;
  }
}

export function toYaml(blueprint: BlueprintInput): string {
  // Keys are written in a fixed order; a key missing from KEY_ORDER would silently vanish from the export.
  const unknown = Object.keys(blueprint).filter((k) => !KEY_ORDER.includes(k as keyof BlueprintInput));
  if (unknown.length) throw new Error(`Blueprint keys with no place in the export order: ${unknown.join(', ')}`);
  const ordered = Object.fromEntries(KEY_ORDER.filter((k) => blueprint[k] !== undefined).map((k) => [k, blueprint[k]]));
  const doc = new Document(ordered);
  doc.commentBefore = ` ${blueprint.name}: exported by \`npm run cli -- tenants export ${blueprint.slug}\`. Applies back to the same site.`;
  return doc.toString({ lineWidth: 0 });
}

/** Drops undefined values and empty lists, which mean the same as absent keys to the schema. */
function tidy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(tidy) as T;
  if (value && typeof value === 'object' && !(value instanceof Buffer)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => [k, tidy(v)]);
    return Object.fromEntries(entries) as T;
  }
  return value;
}
