import { Injectable } from '@nestjs/common';
import { InvalidInput, msg, NotFound, one, RequestContext, TenantDatabase } from '@consilium/core';
import { deactivateMissing, saveRow } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { OfferingInput } from './catalog.types';
import { OfferingAddOn } from './offering-add-on.entity';
import { Offering } from './offering.entity';
import { SpecialtiesService } from './specialties.service';

/**
 * Writes offerings with their add-ons. The blueprint applier (operator path) and the admin console (current tenant)
 * both come through `save`, so a price edited in either place is stored, validated and reported the same way.
 */
@Injectable()
export class OfferingsService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly specialties: SpecialtiesService,
  ) {}

  async save(tx: EntityManager, tenantId: string, input: OfferingInput, specialtyIds?: Map<string, string>): Promise<string[]> {
    const ids = specialtyIds ?? (await this.specialties.idsBySlug(tx, tenantId));
    const specialtyId = ids.get(input.specialtySlug);
    if (!specialtyId) throw new InvalidInput({ specialty: msg('catalog.console.specialtyRequired') });
    const desired: Partial<Offering> = {
      specialtyId,
      position: input.position,
      name: input.name,
      description: input.description,
      priceMinor: input.priceMinor,
      currency: input.currency,
      turnaroundBusinessDays: input.turnaroundBusinessDays,
      followUpQuestions: input.followUpQuestions,
      extraFollowUpPriceMinor: input.extraFollowUpPriceMinor ?? null,
      videoConsultPriceMinor: input.videoConsultPriceMinor ?? null,
      intakeQuestions: input.intakeQuestions,
      exclusions: input.exclusions,
      active: true,
    };
    const { id, changes } = await saveRow(tx, Offering, { tenantId, slug: input.slug }, desired, `offering ${input.slug}`);
    for (const [position, addOn] of input.addOns.entries()) {
      const saved = await saveRow(
        tx,
        OfferingAddOn,
        { tenantId, offeringId: id, code: addOn.code },
        {
          position,
          name: addOn.name,
          description: addOn.description ?? null,
          priceMinor: addOn.priceMinor,
          translation: addOn.translation ?? false,
          currency: input.currency,
          active: true,
        },
        `add-on ${input.slug}/${addOn.code}`,
      );
      changes.push(...saved.changes);
    }
    changes.push(
      ...(await deactivateMissing(
        tx,
        OfferingAddOn,
        { tenantId, offeringId: id },
        'code',
        input.addOns.map((a) => a.code),
        `add-on ${input.slug}/`,
      )),
    );
    return changes;
  }

  /** Makes the tenant's active offerings exactly `inputs`; the others are deactivated, not deleted. */
  async sync(tx: EntityManager, tenantId: string, inputs: OfferingInput[]): Promise<string[]> {
    const ids = await this.specialties.idsBySlug(tx, tenantId);
    const changes: string[] = [];
    for (const input of inputs) changes.push(...(await this.save(tx, tenantId, input, ids)));
    changes.push(
      ...(await deactivateMissing(
        tx,
        Offering,
        { tenantId },
        'slug',
        inputs.map((i) => i.slug),
        'offering',
      )),
    );
    return changes;
  }

  /** The tenant's active offerings as inputs (what export writes and the console edits). */
  async list(tx: EntityManager, tenantId: string): Promise<OfferingInput[]> {
    const rows = await tx.find(Offering, { where: { tenantId, active: true }, order: { position: 'ASC', slug: 'ASC' } });
    const addOns = await tx.find(OfferingAddOn, { where: { tenantId, active: true }, order: { position: 'ASC', code: 'ASC' } });
    const slugs = new Map((await this.specialties.list(tx, tenantId)).map((s) => [s.id, s.slug]));
    return rows.map((o) =>
      toInput(
        o,
        slugs.get(o.specialtyId) ?? '',
        addOns.filter((a) => a.offeringId === o.id),
      ),
    );
  }

  /** For the admin console: edits one offering of the current tenant (price, turnaround, add-ons, ...). */
  update(slug: string, patch: Partial<Omit<OfferingInput, 'slug'>>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      const current = (await this.list(tx, tenantId)).find((o) => o.slug === slug);
      if (!current) throw new NotFound();
      return this.save(tx, tenantId, { ...current, ...patch, slug });
    });
  }

  /** For the admin console: a new offering of the current tenant, listed after the others. */
  create(input: Omit<OfferingInput, 'position'>): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) => {
      // A withdrawn offering keeps its slug: cases and quotes point at it, and restoring it must not collide.
      if (await tx.existsBy(Offering, { tenantId, slug: input.slug })) {
        throw new InvalidInput({ slug: msg('catalog.console.slugTaken', { slug: input.slug }) });
      }
      const { next } = await one<{ next: number }>(
        tx,
        'SELECT COALESCE(MAX(position) + 1, 0) AS next FROM offerings WHERE tenant_id = $1',
        [tenantId],
      );
      return this.save(tx, tenantId, { ...input, position: next });
    });
  }

  /** For the admin console: every offering of the current tenant, withdrawn ones too, in display order. */
  overview(): Promise<
    { slug: string; name: Offering['name']; priceMinor: number; currency: string; turnaroundBusinessDays: number; active: boolean }[]
  > {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(async (tx) =>
      (await tx.find(Offering, { where: { tenantId }, order: { active: 'DESC', position: 'ASC', slug: 'ASC' } })).map((o) => ({
        slug: o.slug,
        name: o.name,
        priceMinor: o.priceMinor,
        currency: o.currency,
        turnaroundBusinessDays: o.turnaroundBusinessDays,
        active: o.active,
      })),
    );
  }

  /** For the admin console: puts a withdrawn offering back on the site as it was. */
  restore(slug: string): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(
      async (tx) => ((await tx.update(Offering, { tenantId, slug, active: false }, { active: true })).affected ?? 0) > 0,
    );
  }

  /** For the admin console: withdraws an offering from the site; cases and quotes that used it keep it. */
  deactivate(slug: string): Promise<boolean> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction(
      async (tx) => ((await tx.update(Offering, { tenantId, slug, active: true }, { active: false })).affected ?? 0) > 0,
    );
  }
}

function toInput(o: Offering, specialtySlug: string, addOns: OfferingAddOn[]): OfferingInput {
  return {
    slug: o.slug,
    specialtySlug,
    position: o.position,
    name: o.name,
    description: o.description,
    priceMinor: o.priceMinor,
    currency: o.currency,
    turnaroundBusinessDays: o.turnaroundBusinessDays,
    followUpQuestions: o.followUpQuestions,
    extraFollowUpPriceMinor: o.extraFollowUpPriceMinor ?? undefined,
    videoConsultPriceMinor: o.videoConsultPriceMinor ?? undefined,
    addOns: addOns.map((a) => ({
      code: a.code,
      name: a.name,
      description: a.description ?? undefined,
      priceMinor: a.priceMinor,
      ...(a.translation ? { translation: true } : {}),
    })),
    intakeQuestions: o.intakeQuestions,
    exclusions: o.exclusions,
  };
}
