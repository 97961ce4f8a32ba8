import { Injectable } from '@nestjs/common';
import { InvalidInput, msg, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { deactivateMissing, saveRow } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { SpecialtyInput } from './catalog.types';
import { Offering } from './offering.entity';
import { Specialty } from './specialty.entity';

/**
 * Writes specialties. Each method takes the transaction it runs in: the blueprint applier passes the operator
 * path's, the admin console (through `update`) the current tenant's. Both write the same rows the same way.
 */
@Injectable()
export class SpecialtiesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async save(tx: EntityManager, tenantId: string, input: SpecialtyInput): Promise<string[]> {
    const desired: Partial<Specialty> = {
      position: input.position,
      name: input.name,
      summary: input.summary,
      description: input.description ?? null,
      reviewed: input.reviewed,
      faqs: input.faqs,
      active: true,
    };
    return (await saveRow(tx, Specialty, { tenantId, slug: input.slug }, desired, `specialty ${input.slug}`)).changes;
  }

  /** Makes the tenant's active specialties exactly `inputs`; the others are deactivated, not deleted. */
  async sync(tx: EntityManager, tenantId: string, inputs: SpecialtyInput[]): Promise<string[]> {
    const changes: string[] = [];
    for (const input of inputs) changes.push(...(await this.save(tx, tenantId, input)));
    changes.push(
      ...(await deactivateMissing(
        tx,
        Specialty,
        { tenantId },
        'slug',
        inputs.map((i) => i.slug),
        'specialty',
      )),
    );
    return changes;
  }

  async list(tx: EntityManager, tenantId: string): Promise<Specialty[]> {
    return tx.find(Specialty, { where: { tenantId, active: true }, order: { position: 'ASC', slug: 'ASC' } });
  }

  /** slug -> id of the tenant's active specialties. */
  async idsBySlug(tx: EntityManager, tenantId: string): Promise<Map<string, string>> {
    return new Map((await this.list(tx, tenantId)).map((s) => [s.slug, s.id]));
  }

  /** For the admin console: edits one specialty of the current tenant. */
  update(slug: string, patch: Partial<Omit<SpecialtyInput, 'slug'>>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const row = await tx.findOneBy(Specialty, { tenantId, slug, active: true });
      if (!row) throw new NotFound();
      const current: SpecialtyInput = {
        slug,
        position: row.position,
        name: row.name,
        summary: row.summary,
        description: row.description ?? undefined,
        reviewed: row.reviewed,
        faqs: row.faqs,
      };
      return this.save(tx, tenantId, { ...current, ...patch, slug });
    });
  }

  /** For the admin console: every specialty of the current tenant, withdrawn ones last, in display order. */
  overview(): Promise<Specialty[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction((tx) =>
      tx.find(Specialty, { where: { tenantId }, order: { active: 'DESC', position: 'ASC', slug: 'ASC' } }),
    );
  }

  /** For the admin console: a new specialty of the current tenant, listed after the others. */
  create(input: Omit<SpecialtyInput, 'position' | 'reviewed' | 'faqs'>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      // A withdrawn specialty keeps its slug: its offerings' cases point at it, and restoring it must not collide.
      if (await tx.existsBy(Specialty, { tenantId, slug: input.slug })) {
        throw new InvalidInput({ slug: msg('catalog.specialties.slugTaken', { slug: input.slug }) });
      }
      const position = await this.renumber(tx, tenantId);
      return this.save(tx, tenantId, { ...input, position, reviewed: [], faqs: [] });
    });
  }

  /** For the admin console: moves an active specialty one place up (-1) or down (+1) on the site. */
  move(slug: string, by: -1 | 1): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const rows = await this.list(tx, tenantId);
      const from = rows.findIndex((r) => r.slug === slug);
      if (from < 0) return false;
      const to = Math.min(rows.length - 1, Math.max(0, from + by));
      rows.splice(to, 0, ...rows.splice(from, 1));
      await this.renumber(tx, tenantId, rows);
      return true;
    });
  }

  /** For the admin console: takes a specialty off the site; refused while one of its offerings is still sold. */
  withdraw(slug: string): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const row = await tx.findOneBy(Specialty, { tenantId, slug, active: true });
      if (!row) return false;
      if (await tx.existsBy(Offering, { tenantId, specialtyId: row.id, active: true })) {
        throw new InvalidInput({ [`specialty_${slug}`]: msg('catalog.specialties.stillSold') });
      }
      await tx.update(Specialty, { tenantId, id: row.id }, { active: false });
      await this.renumber(tx, tenantId);
      return true;
    });
  }

  /** For the admin console: puts a withdrawn specialty back, last on the site. */
  restore(slug: string): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const position = await this.renumber(tx, tenantId);
      return ((await tx.update(Specialty, { tenantId, slug, active: false }, { active: true, position })).affected ?? 0) > 0;
    });
  }

  /**
   * Numbers the active specialties 0, 1, 2... in `order` (default: as they are), as a blueprint's list would, so an
   * export applied back says "no changes". Returns the next free position.
   */
  private async renumber(tx: EntityManager, tenantId: string, order?: Specialty[]): Promise<number> {
    const rows = order ?? (await this.list(tx, tenantId));
    for (const [position, row] of rows.entries()) {
      if (row.position !== position) await tx.update(Specialty, { tenantId, id: row.id }, { position });
    }
    return rows.length;
  }
}
