import { Injectable } from '@nestjs/common';
import { NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import type { Branding, TenantProfile, TenantSettings } from './branding';
import { changedFields } from './blueprint/row-changes';
import type { LoadedAsset } from './blueprint/blueprint-loader';
import { removeAssetUnlessBranding, storeAsset } from './tenant-assets';
import { Tenant } from './tenant.entity';

export interface TenantEdit {
  branding?: Branding;
  profile?: TenantProfile;
  settings?: TenantSettings;
}

/**
 * The hospital admin's own edits of its tenant row (branding, contact, licensure policy), through the tenant's
 * transaction: row-level security lets a tenant update only itself. The tenants trigger then tells every instance.
 * Values must already be valid (the console validates them with the blueprint's field rules).
 */
@Injectable()
export class TenantSettingsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  /** Returns the names of the fields that changed. */
  update(edit: TenantEdit): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const tenant = await tx.findOneBy(Tenant, { id: tenantId });
      if (!tenant) throw new NotFound();
      const desired = Object.fromEntries(Object.entries(edit).filter(([, v]) => v !== undefined)) as TenantEdit;
      const changed = changedFields(tenant, desired);
      if (changed.length) await tx.update(Tenant, { id: tenantId }, Object.fromEntries(changed.map((k) => [k, desired[k]])));
      return changed;
    });
  }

  /**
   * The admin's launch: a hospital `coming_soon` becomes `active` (its public site and intake open). True when it
   * did; false when it was not coming soon (already launched, or suspended by the operator).
   */
  launch(): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const result = await tx.update(Tenant, { id: tenantId, status: 'coming_soon' }, { status: 'active' });
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * For the admin console: a new logo or favicon (already judged by its bytes). Stored as a brand asset like a
   * blueprint's, and the branding points at it; the previous file goes unless the branding still uses it.
   */
  replaceBrandImage(role: 'logo' | 'favicon', asset: LoadedAsset): Promise<void> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const tenant = await tx.findOneBy(Tenant, { id: tenantId });
      if (!tenant) throw new NotFound();
      await storeAsset(tx, tenantId, asset);
      const previous = tenant.branding[role];
      if (previous !== asset.name) {
        await tx.update(Tenant, { id: tenantId }, { branding: { ...tenant.branding, [role]: asset.name } });
        if (previous) await removeAssetUnlessBranding(tx, tenantId, previous);
      }
    });
  }
}
