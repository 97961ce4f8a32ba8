import { Injectable } from '@nestjs/common';
import { first, InvalidInput, NotFound, RequestContext, rows, TenantDatabase } from '@consilium/core';
import { SpecialtiesService } from '@consilium/catalog';
import { deactivateMissing, saveRow, TenantContentCache } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { FundingBudgets } from '../payments/funding/funding-budgets.service';
import { FundingProgram } from './funding-program.entity';
import type { FundingProgramInput, FundingProgramRecord } from './funding.types';

/** Writes and reads funding programs; the blueprint applier and the admin console both come through `save`. */
@Injectable()
export class FundingProgramsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly specialties: SpecialtiesService,
    private readonly cache: TenantContentCache,
    private readonly budgets: FundingBudgets,
  ) {}

  async save(tx: EntityManager, tenantId: string, input: FundingProgramInput, specialtyIds?: Map<string, string>): Promise<string[]> {
    const ids = specialtyIds ?? (await this.specialties.idsBySlug(tx, tenantId));
    const specialtyId = input.specialtySlug ? ids.get(input.specialtySlug) : null;
    if (specialtyId === undefined) throw new InvalidInput({ specialty: `no active specialty "${input.specialtySlug}"` });
    if ((input.coversPercent === undefined) === (input.coversMinor === undefined)) {
      throw new InvalidInput({ covers: 'give either a percentage or an amount' });
    }
    const desired: Partial<FundingProgram> = {
      position: input.position,
      name: input.name,
      description: input.description,
      sponsor: input.sponsor ?? null,
      coversPercent: input.coversPercent ?? null,
      coversMinor: input.coversMinor ?? null,
      currency: input.currency,
      access: input.access,
      eligibility: input.eligibility ?? null,
      reviewRequired: input.reviewRequired ?? false,
      specialtyId,
      active: true,
    };
    const label = `funding program ${input.slug}`;
    const { id, changes } = await saveRow(tx, FundingProgram, { tenantId, slug: input.slug }, desired, label);
    const budget = await first<{ budget: number }>(
      tx,
      'SELECT budget_minor::int AS budget FROM funding_budgets WHERE tenant_id = $1 AND program_id = $2',
      [tenantId, id],
    );
    if (budget?.budget !== input.budgetMinor) {
      // Payments' own guard applies: a budget below what is already reserved and spent is refused.
      await this.budgets.setBudget(tx, tenantId, id, input.currency, input.budgetMinor);
      if (budget) changes.push(`update ${label}: budget ${budget.budget} -> ${input.budgetMinor}`);
    }
    return changes;
  }

  async sync(tx: EntityManager, tenantId: string, inputs: FundingProgramInput[]): Promise<string[]> {
    const ids = await this.specialties.idsBySlug(tx, tenantId);
    const changes: string[] = [];
    for (const input of inputs) changes.push(...(await this.save(tx, tenantId, input, ids)));
    changes.push(
      ...(await deactivateMissing(
        tx,
        FundingProgram,
        { tenantId },
        'slug',
        inputs.map((i) => i.slug),
        'funding program',
      )),
    );
    return changes;
  }

  async list(tx: EntityManager, tenantId: string): Promise<FundingProgramRecord[]> {
    const programs = await tx.find(FundingProgram, { where: { tenantId, active: true }, order: { position: 'ASC', slug: 'ASC' } });
    const budgets = new Map<string, number>(
      (
        await rows<{ program_id: string; budget: number }>(
          tx,
          'SELECT program_id, budget_minor::int AS budget FROM funding_budgets WHERE tenant_id = $1',
          [tenantId],
        )
      ).map((b) => [b.program_id, b.budget]),
    );
    const slugs = new Map((await this.specialties.list(tx, tenantId)).map((s) => [s.id, s.slug]));
    return programs
      .filter((f) => !f.specialtyId || slugs.has(f.specialtyId))
      .map((f) => ({
        id: f.id,
        slug: f.slug,
        position: f.position,
        name: f.name,
        description: f.description,
        sponsor: f.sponsor ?? undefined,
        coversPercent: f.coversPercent ?? undefined,
        coversMinor: f.coversMinor ?? undefined,
        currency: f.currency,
        budgetMinor: budgets.get(f.id) ?? 0,
        access: f.access,
        eligibility: f.eligibility ?? undefined,
        reviewRequired: f.reviewRequired,
        specialtyId: f.specialtyId ?? undefined,
        specialtySlug: f.specialtyId ? slugs.get(f.specialtyId) : undefined,
      }));
  }

  /** The active programs of a tenant as the site shows them, from memory until its content changes. */
  forSite(tenantId: string): Promise<FundingProgramRecord[]> {
    return this.cache.get(tenantId, 'funding', () => this.db.forTenant(tenantId, (tx) => this.list(tx, tenantId)));
  }

  /** For the admin console: edits one program of the current tenant. */
  update(slug: string, patch: Partial<Omit<FundingProgramInput, 'slug'>>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const current = (await this.list(tx, tenantId)).find((f) => f.slug === slug);
      if (!current) throw new NotFound();
      const { id: _id, specialtyId: _specialty, ...input } = current;
      return this.save(tx, tenantId, { ...input, ...patch, slug });
    });
  }
}
