import { Injectable } from '@nestjs/common';
import { AppConfig, setTenant } from '@consilium/core';
import { OperatorDatabase } from '@consilium/core/operator-data';
import { EntityManager } from 'typeorm';
import type { Branding, TenantProfile, TenantSettings } from '../branding';
import { TenantAsset } from '../tenant-asset.entity';
import { TenantDomain } from '../tenant-domain.entity';
import { Tenant } from '../tenant.entity';
import { LoadedBlueprint } from './blueprint-loader';
import { BlueprintExporter } from './blueprint-exporter';
import { BlueprintSections } from './blueprint-section';
import type { Blueprint } from './blueprint.schema';
import { changedFields } from './row-changes';

export interface ApplyResult {
  slug: string;
  tenantId: string;
  created: boolean;
  /** The blueprint says `demo: true`. */
  demo: boolean;
  /** Human-readable lines, empty when the database already matched the blueprint. */
  changes: string[];
}

export class BlueprintConflict extends Error {
  override name = 'BlueprintConflict';
}

/** The hospital was edited in the console since its last apply: applying would undo those edits without a word. */
/** What changed in the console since the last apply: the hospital now, and the paths that differ. */
interface ConsoleEdits {
  now: Record<string, unknown>;
  edited: { part: string; path: string }[];
}

export class ConsoleEditsConflict extends BlueprintConflict {
  override name = 'ConsoleEditsConflict';
  constructor(
    readonly slug: string,
    readonly paths: string[],
    file: string,
  ) {
    const shown = paths.slice(0, 12).join(', ') + (paths.length > 12 ? ` and ${paths.length - 12} more` : '');
    super(
      `${file}: ${slug} was changed in the console since its last apply (${shown}); applying would undo that. ` +
        `Export it first (npm run cli -- tenants export ${slug}) and merge, or apply with --overwrite-console-edits`,
    );
  }
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Apply even over console edits made since the last apply (they are listed in the changes). */
  overwriteConsoleEdits?: boolean;
}

class DryRunRollback extends Error {
  constructor(readonly result: ApplyResult) {
    super('dry run');
  }
}

/**
 * Makes the database match a blueprint, idempotently, through the operator data path. The operator console's
 * onboarding writes the same tables through the same service. A dry run does all the work and rolls it back, so
 * what it prints is exactly what `apply` would do.
 */
@Injectable()
export class BlueprintApplier {
  constructor(
    private readonly operatorDb: OperatorDatabase,
    private readonly config: AppConfig,
    private readonly sections: BlueprintSections,
    private readonly exporter: BlueprintExporter,
  ) {}

  async apply(loaded: LoadedBlueprint, options: ApplyOptions = {}): Promise<ApplyResult> {
    try {
      return await this.operatorDb.transaction(async (tx) => {
        const result = await this.applyIn(tx, loaded, options);
        if (options.dryRun) throw new DryRunRollback(result);
        return result;
      });
    } catch (error) {
      if (error instanceof DryRunRollback) return error.result;
      throw error;
    }
  }

  private async applyIn(tx: EntityManager, loaded: LoadedBlueprint, options: ApplyOptions): Promise<ApplyResult> {
    const { blueprint: bp, assets, file } = loaded;
    const changes: string[] = [];
    const branding: Branding = {
      colors: bp.branding.colors,
      fonts: bp.branding.fonts,
      logo: assetName(bp.branding.logo),
      ...(bp.branding.favicon ? { favicon: assetName(bp.branding.favicon) } : {}),
      ...(bp.branding.logo_alt ? { logoAlt: bp.branding.logo_alt } : {}),
    };
    const profile: TenantProfile = {
      contact: bp.contact,
      locales: bp.locales,
      ...(bp.legal_footer ? { legalFooter: bp.legal_footer } : {}),
    };
    const settings: TenantSettings = {
      ...(bp.licensure.home_state ? { homeJurisdiction: bp.licensure.home_state } : {}),
      licensure: { unlicensedStates: bp.licensure.unlicensed_states, international: bp.licensure.international },
      ...(bp.demo ? { demo: true as const } : {}),
      ...(bp.holidays.length ? { holidays: [...bp.holidays].sort() } : {}),
      ...(bp.refunds ? { refunds: refundsOf(bp.refunds) } : {}),
      ...(bp.sms
        ? { sms: { enabled: bp.sms.enabled, ...(bp.sms.origination_identity ? { originationIdentity: bp.sms.origination_identity } : {}) } }
        : {}),
    };
    const desired = {
      name: bp.name,
      status: bp.status,
      casePrefix: bp.case_prefix,
      defaultLocale: bp.default_locale,
      timeZone: bp.time_zone,
      currency: bp.currency,
      branding,
      profile,
      settings,
    };

    // Instances booting together (or a CLI run during a boot) apply the same blueprint: one at a time per tenant,
    // the second then finds nothing to do.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('consilium:blueprint:' || $1))`, [bp.slug]);
    // The unique index is the guarantee; this says which hospital has the prefix, and what to do.
    const [prefixOwner]: { slug: string }[] = await tx.query('SELECT slug FROM tenants WHERE case_prefix = $1 AND slug <> $2', [
      bp.case_prefix,
      bp.slug,
    ]);
    if (prefixOwner) {
      throw new BlueprintConflict(
        `${file}: case_prefix: ${bp.case_prefix} is already the case prefix of ${prefixOwner.slug}: choose 2 to 5 capital letters no other hospital uses`,
      );
    }
    let tenant = await tx.findOneBy(Tenant, { slug: bp.slug });
    const created = !tenant;
    const edits = tenant ? await this.consoleEdits(tx, tenant) : undefined;
    if (!tenant) {
      tenant = await tx.save(Tenant, tx.create(Tenant, { slug: bp.slug, ...desired }));
      changes.push(`create tenant ${bp.slug} (${bp.name})`);
    } else {
      const current = { ...tenant, currency: tenant.currency.trim() };
      const changed = changedFields(current, desired);
      if (changed.length) {
        await tx.update(Tenant, { id: tenant.id }, Object.fromEntries(changed.map((k) => [k, desired[k]])));
        for (const key of changed) changes.push(describeChange(key, current[key], desired[key]));
      }
    }
    await setTenant(tx, tenant.id);
    await this.syncDomains(tx, tenant.id, bp.slug, bp.domains, bp.primary_domain, file, changes);
    await this.syncAssets(tx, tenant.id, assets, changes);
    for (const section of this.sections.all()) {
      await section.apply({ tx, tenantId: tenant.id, currency: bp.currency, blueprint: bp, loaded, changes });
    }
    // What the hospital looks like now, to tell a later console edit from this apply.
    const applied = await this.exporter.snapshotIn(tx, tenant.id);
    if (edits) this.checkConsoleEdits(edits, applied ?? {}, tenant.slug, file, options, changes);
    await tx.query(
      `INSERT INTO blueprint_applies (tenant_id, snapshot) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET snapshot = EXCLUDED.snapshot, applied_at = now()`,
      [tenant.id, JSON.stringify(applied ?? {})],
    );
    return { slug: bp.slug, tenantId: tenant.id, created, demo: bp.demo, changes };
  }

  /**
   * Compares the hospital today with what the last apply left: a difference was made in the console since. Parts
   * this app does not mount (a section's lib) are not compared; paths are shown as in tenant.yaml.
   */
  private async consoleEdits(tx: EntityManager, tenant: Tenant): Promise<ConsoleEdits | undefined> {
    await setTenant(tx, tenant.id);
    const [last]: { snapshot: Record<string, unknown> }[] = await tx.query('SELECT snapshot FROM blueprint_applies WHERE tenant_id = $1', [
      tenant.id,
    ]);
    if (!last) return undefined;
    const now = (await this.exporter.snapshotIn(tx, tenant.id)) ?? {};
    const edited = Object.keys(now)
      .filter((part) => part in last.snapshot)
      .flatMap((part) => differingPaths(last.snapshot[part], now[part]).map((path) => ({ part, path })));
    return edited.length ? { now, edited } : undefined;
  }

  /**
   * Refuses an apply that would undo a console edit (listing where), unless `overwriteConsoleEdits`, which lists the
   * edits among the changes. A blueprint that already says what the console made (an export, merged) undoes nothing,
   * so it applies; the transaction is rolled back by the refusal, so nothing of it is written.
   */
  private checkConsoleEdits(
    { now, edited }: ConsoleEdits,
    applied: Record<string, unknown>,
    slug: string,
    file: string,
    options: ApplyOptions,
    changes: string[],
  ) {
    const undone = Object.keys(now).flatMap((part) => differingPaths(now[part], applied[part]).map((path) => ({ part, path })));
    const overlaps = (a: string, b: string) =>
      a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`) || a === '(whole blueprint)' || b === '(whole blueprint)';
    const lost = edited.filter((e) => undone.some((u) => u.part === e.part && overlaps(u.path, e.path))).map((e) => e.path);
    if (!lost.length) return;
    if (!options.overwriteConsoleEdits) throw new ConsoleEditsConflict(slug, lost, file);
    changes.unshift(`overwrite console edits: ${lost.join(', ')}`);
  }

  private async syncDomains(
    tx: EntityManager,
    tenantId: string,
    slug: string,
    custom: string[],
    primaryDomain: string | undefined,
    file: string,
    changes: string[],
  ): Promise<void> {
    const platformHost = this.config.platformHostFor(slug);
    const wanted = [platformHost, ...custom.filter((h) => h !== platformHost)];
    const primary = primaryDomain ?? platformHost;
    const taken: { host: string }[] = await tx.query('SELECT host FROM tenant_domains WHERE host = ANY($1) AND tenant_id <> $2', [
      wanted,
      tenantId,
    ]);
    if (taken.length) {
      throw new BlueprintConflict(
        `${file}: domains: ${taken.map((t) => t.host).join(', ')} already belong${taken.length === 1 ? 's' : ''} to another tenant`,
      );
    }
    const existing = await tx.find(TenantDomain, { where: { tenantId } });
    for (const d of existing.filter((d) => !wanted.includes(d.host))) {
      await tx.delete(TenantDomain, { tenantId, id: d.id });
      changes.push(`remove domain ${d.host}`);
    }
    // Clear the old primary first: a partial unique index allows one primary per tenant.
    for (const d of existing.filter((d) => d.isPrimary && d.host !== primary && wanted.includes(d.host))) {
      await tx.update(TenantDomain, { tenantId, id: d.id }, { isPrimary: false });
    }
    for (const host of wanted) {
      const row = existing.find((d) => d.host === host);
      if (!row) {
        await tx.insert(TenantDomain, { tenantId, host, isPrimary: host === primary });
        changes.push(`add domain ${host}${host === primary ? ' (primary)' : ''}`);
      } else if (host === primary && !row.isPrimary) {
        await tx.update(TenantDomain, { tenantId, id: row.id }, { isPrimary: true });
        changes.push(`make ${host} the primary domain`);
      }
    }
  }

  private async syncAssets(tx: EntityManager, tenantId: string, assets: LoadedBlueprint['assets'], changes: string[]): Promise<void> {
    const existing = await tx.find(TenantAsset, { select: { id: true, name: true, sha256: true }, where: { tenantId } });
    for (const asset of assets) {
      const row = existing.find((e) => e.name === asset.name);
      if (!row) {
        await tx.insert(TenantAsset, { tenantId, ...asset });
        changes.push(`add asset ${asset.name}`);
      } else if (row.sha256 !== asset.sha256) {
        await tx.update(
          TenantAsset,
          { tenantId, id: row.id },
          { contentType: asset.contentType, bytes: asset.bytes, sha256: asset.sha256 },
        );
        changes.push(`update asset ${asset.name}`);
      }
    }
    for (const row of existing.filter((e) => !assets.some((a) => a.name === e.name))) {
      await tx.delete(TenantAsset, { tenantId, id: row.id });
      changes.push(`remove asset ${row.name}`);
    }
  }
}

/** Where two JSON values differ, as blueprint paths (`offerings.0.price`); a list of another length at the list. */
export function differingPaths(a: unknown, b: unknown, at: string[] = []): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (v: unknown) => !!v && typeof v === 'object';
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length)
    return a.flatMap((item, i) => differingPaths(item, b[i], [...at, String(i)]));
  if (isObject(a) && isObject(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...at, k]));
  }
  return [at.join('.') || '(whole blueprint)'];
}

function assetName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

function describeChange(key: string, from: unknown, to: unknown): string {
  const field = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (key === 'settings') {
    const [a, b] = [from as Partial<TenantSettings>, to as TenantSettings];
    const parts: string[] = [];
    if (a?.homeJurisdiction !== b.homeJurisdiction) parts.push(`home state ${a?.homeJurisdiction ?? '-'} -> ${b.homeJurisdiction ?? '-'}`);
    if (a?.licensure?.unlicensedStates !== b.licensure.unlicensedStates)
      parts.push(`unlicensed states ${a?.licensure?.unlicensedStates ?? '-'} -> ${b.licensure.unlicensedStates}`);
    if (a?.licensure?.international !== b.licensure.international)
      parts.push(`international ${a?.licensure?.international ?? '-'} -> ${b.licensure.international}`);
    if (!!a?.demo !== !!b.demo)
      return [`demo: ${!!a?.demo} -> ${!!b.demo}`, ...(parts.length ? [`licensure: ${parts.join(', ')}`] : [])].join('; ');
    return `licensure: ${parts.join(', ') || 'update'}`;
  }
  if (!isScalar(from) || !isScalar(to)) return `update ${field}`;
  return `${field}: ${String(from)} -> ${String(to)}`;
}

/** A blueprint value shown as it is in a change line (objects and null are summarised instead). */
function isScalar(value: unknown): value is string | number | boolean | undefined {
  return typeof value !== 'object';
}

/** The blueprint's refund rules as settings (camel case, offerings without rules left out). */
function refundsOf(refunds: NonNullable<Blueprint['refunds']>): NonNullable<TenantSettings['refunds']> {
  const rules = (late: { after_days: number; percent: number }[]) => late.map((r) => ({ afterDays: r.after_days, percent: r.percent }));
  const offerings = Object.fromEntries(Object.entries(refunds.offerings).map(([slug, o]) => [slug, { late: rules(o.late) }]));
  return { late: rules(refunds.late), ...(Object.keys(offerings).length ? { offerings } : {}) };
}
