import { Injectable } from '@nestjs/common';
import { NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { deactivateMissing, saveRow } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { SpecialtyInput } from './catalog.types';
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
}
