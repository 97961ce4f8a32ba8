import { EntityManager } from 'typeorm';
import type { LoadedAsset } from './blueprint/blueprint-loader';
import { TenantAsset } from './tenant-asset.entity';
import { Tenant } from './tenant.entity';

/**
 * Writes an uploaded file (already judged by its bytes) as a tenant asset, as the blueprint applier does: replaced in
 * place when one of that name exists. The table's trigger tells every instance; the caller forgets the tenant here.
 */
export async function storeAsset(tx: EntityManager, tenantId: string, asset: LoadedAsset): Promise<void> {
  const existing = await tx.findOne(TenantAsset, { select: { id: true, name: true }, where: { tenantId, name: asset.name } });
  if (existing)
    await tx.update(
      TenantAsset,
      { tenantId, id: existing.id },
      { contentType: asset.contentType, bytes: asset.bytes, sha256: asset.sha256 },
    );
  else await tx.insert(TenantAsset, { tenantId, ...asset });
}

/** Deletes an asset the branding does not point at (the caller has checked its own references). */
export async function removeAssetUnlessBranding(tx: EntityManager, tenantId: string, name: string): Promise<void> {
  const tenant = await tx.findOne(Tenant, { select: { id: true, branding: true }, where: { id: tenantId } });
  if (tenant && (tenant.branding.logo === name || tenant.branding.favicon === name)) return;
  await tx.delete(TenantAsset, { tenantId, name });
}
