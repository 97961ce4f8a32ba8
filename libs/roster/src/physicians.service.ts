import { Injectable } from '@nestjs/common';
import { InvalidInput, msg, NotFound, one, RequestContext, TenantDatabase } from '@consilium/core';
import { SpecialtiesService } from '@consilium/catalog';
import {
  changedFields,
  deactivateMissing,
  describeFields,
  LoadedAsset,
  removeAssetUnlessBranding,
  saveRow,
  storeAsset,
} from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { PhysicianLicense } from './physician-license.entity';
import { PhysicianSpecialty } from './physician-specialty.entity';
import { Physician } from './physician.entity';
import type { LicenseInput, PhysicianInput } from './roster.types';
import { StipendRates } from './stipend-rates.service';

/**
 * Writes physicians with their specialties and licenses. The blueprint applier (operator path) and the admin
 * console (current tenant, through `update`) both come through `save`.
 */
@Injectable()
export class PhysiciansService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly specialties: SpecialtiesService,
    private readonly rates: StipendRates,
  ) {}

  async save(tx: EntityManager, tenantId: string, input: PhysicianInput, specialtyIds?: Map<string, string>): Promise<string[]> {
    const ids = specialtyIds ?? (await this.specialties.idsBySlug(tx, tenantId));
    const unknown = input.specialtySlugs.find((s) => !ids.has(s));
    if (unknown) throw new InvalidInput({ specialties: msg('roster.console.unknownSpecialty', { slug: unknown }) });
    const desired: Partial<Physician> = {
      position: input.position,
      name: input.name,
      credentials: input.credentials,
      title: input.title,
      bio: input.bio,
      photo: input.photo ?? null,
      acceptingNewCases: input.acceptingNewCases,
      weeklyCapacity: input.weeklyCapacity,
      stipendMinor: input.stipendMinor,
      stipendCurrency: input.stipendCurrency,
      featured: input.featured,
      active: true,
    };
    const label = `physician ${input.slug}`;
    const { id, changes } = await saveRow(tx, Physician, { tenantId, slug: input.slug }, desired, label);
    await this.rates.record(tx, tenantId, id, input.stipendMinor, input.stipendCurrency);
    changes.push(
      ...(await this.syncSpecialties(
        tx,
        tenantId,
        id,
        input.specialtySlugs.map((s) => ids.get(s)!),
        label,
      )),
    );
    changes.push(...(await this.syncLicenses(tx, tenantId, id, input.licenses, input.slug)));
    return changes;
  }

  /** Makes the tenant's active physicians exactly `inputs`; the others are deactivated, not deleted. */
  async sync(tx: EntityManager, tenantId: string, inputs: PhysicianInput[]): Promise<string[]> {
    const ids = await this.specialties.idsBySlug(tx, tenantId);
    const changes: string[] = [];
    for (const input of inputs) changes.push(...(await this.save(tx, tenantId, input, ids)));
    changes.push(
      ...(await deactivateMissing(
        tx,
        Physician,
        { tenantId },
        'slug',
        inputs.map((i) => i.slug),
        'physician',
      )),
    );
    return changes;
  }

  /** The tenant's active physicians as inputs (what export writes and the console edits). */
  async list(tx: EntityManager, tenantId: string): Promise<(PhysicianInput & { id: string; specialtyIds: string[] })[]> {
    const rows = await tx.find(Physician, { where: { tenantId, active: true }, order: { position: 'ASC', slug: 'ASC' } });
    const links = await tx.find(PhysicianSpecialty, { where: { tenantId }, order: { position: 'ASC' } });
    const licenses = await tx.find(PhysicianLicense, { where: { tenantId }, order: { jurisdiction: 'ASC' } });
    const slugs = new Map((await this.specialties.list(tx, tenantId)).map((s) => [s.id, s.slug]));
    return rows.map((p) => {
      // A link to a withdrawn specialty is kept for history but no longer shown.
      const specialtyIds = links.filter((l) => l.physicianId === p.id && slugs.has(l.specialtyId)).map((l) => l.specialtyId);
      return {
        id: p.id,
        slug: p.slug,
        position: p.position,
        name: p.name,
        credentials: p.credentials,
        title: p.title,
        bio: p.bio,
        photo: p.photo ?? undefined,
        specialtyIds,
        specialtySlugs: specialtyIds.map((id) => slugs.get(id)!),
        licenses: licenses
          .filter((l) => l.physicianId === p.id)
          .map((l) => ({ jurisdiction: l.jurisdiction, number: l.number, expiresOn: l.expiresOn })),
        acceptingNewCases: p.acceptingNewCases,
        weeklyCapacity: p.weeklyCapacity,
        stipendMinor: p.stipendMinor,
        stipendCurrency: p.stipendCurrency,
        featured: p.featured,
      };
    });
  }

  /** For the admin console: edits one physician of the current tenant (profile, licenses, capacity, stipend). */
  update(slug: string, patch: Partial<Omit<PhysicianInput, 'slug'>>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const current = (await this.list(tx, tenantId)).find((p) => p.slug === slug);
      if (!current) throw new NotFound();
      const { id: _id, specialtyIds: _ids, ...input } = current;
      return this.save(tx, tenantId, { ...input, ...patch, slug });
    });
  }

  /** For the admin console: a new physician of the current tenant, listed after the others. */
  create(input: Omit<PhysicianInput, 'position'>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      // A physician taken off the site keeps their slug: their opinions point at them.
      if (await tx.existsBy(Physician, { tenantId, slug: input.slug })) {
        throw new InvalidInput({ slug: msg('roster.console.slugTaken', { slug: input.slug }) });
      }
      const { next } = await one<{ next: number }>(
        tx,
        'SELECT COALESCE(MAX(position) + 1, 0) AS next FROM physicians WHERE tenant_id = $1',
        [tenantId],
      );
      return this.save(tx, tenantId, { ...input, position: next });
    });
  }

  /**
   * For the admin console: a physician's new photo (already judged by its bytes), or none. The previous file goes
   * unless another physician or the branding still shows it. False when there is no such active physician.
   */
  setPhoto(slug: string, asset: LoadedAsset | null): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const physician = await tx.findOne(Physician, { select: { id: true, photo: true }, where: { tenantId, slug, active: true } });
      if (!physician) return false;
      if (asset) await storeAsset(tx, tenantId, asset);
      const photo = asset?.name ?? null;
      if (physician.photo === photo) return true;
      await tx.update(Physician, { tenantId, id: physician.id }, { photo });
      const previous = physician.photo;
      if (previous && !(await tx.existsBy(Physician, { tenantId, photo: previous })))
        await removeAssetUnlessBranding(tx, tenantId, previous);
      return true;
    });
  }

  /** For the admin console: takes a physician off the site and out of assignment; their past opinions stay theirs. */
  deactivate(slug: string): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(
      async (tx) => ((await tx.update(Physician, { tenantId, slug, active: true }, { active: false })).affected ?? 0) > 0,
    );
  }

  private async syncSpecialties(
    tx: EntityManager,
    tenantId: string,
    physicianId: string,
    wanted: string[],
    label: string,
  ): Promise<string[]> {
    const current = await tx.find(PhysicianSpecialty, { where: { tenantId, physicianId }, order: { position: 'ASC' } });
    const before = current.map((l) => l.specialtyId);
    if (before.join() === wanted.join()) return [];
    await tx.delete(PhysicianSpecialty, { tenantId, physicianId });
    if (wanted.length)
      await tx.insert(
        PhysicianSpecialty,
        wanted.map((specialtyId, position) => ({ tenantId, physicianId, specialtyId, position })),
      );
    // A brand-new physician's specialties are part of "add physician".
    return before.length ? [`update ${label}: specialties`] : [];
  }

  private async syncLicenses(
    tx: EntityManager,
    tenantId: string,
    physicianId: string,
    wanted: LicenseInput[],
    slug: string,
  ): Promise<string[]> {
    const current = await tx.findBy(PhysicianLicense, { tenantId, physicianId });
    const changes: string[] = [];
    for (const license of wanted) {
      const row = current.find((l) => l.jurisdiction === license.jurisdiction);
      const desired = { number: license.number, expiresOn: license.expiresOn };
      if (!row) {
        await tx.insert(PhysicianLicense, { tenantId, physicianId, jurisdiction: license.jurisdiction, ...desired });
        changes.push(`add license ${slug} ${license.jurisdiction}`);
        continue;
      }
      const changed = changedFields(row, desired);
      if (!changed.length) continue;
      await tx.update(PhysicianLicense, { tenantId, id: row.id }, desired);
      changes.push(`update license ${slug} ${license.jurisdiction}: ${describeFields(row, desired, changed)}`);
    }
    // A license that is gone is a fact that stopped being true; the case history records who was licensed when.
    for (const row of current.filter((l) => !wanted.some((w) => w.jurisdiction === l.jurisdiction))) {
      await tx.delete(PhysicianLicense, { tenantId, id: row.id });
      changes.push(`remove license ${slug} ${row.jurisdiction}`);
    }
    return changes;
  }
}
