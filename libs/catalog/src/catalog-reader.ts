import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@consilium/core';
import { EntityManager, In } from 'typeorm';
import { TenantContentCache } from '@consilium/tenancy';
import type { CatalogSnapshot } from './catalog.types';
import { OfferingAddOn } from './offering-add-on.entity';
import { Offering } from './offering.entity';
import { PriceRulesService } from './price-rules.service';
import { SpecialtiesService } from './specialties.service';

/**
 * The active catalog of a tenant as the site and the intake read it: loaded once, then served from memory until
 * a NOTIFY says that tenant's catalog changed (on any instance).
 */
@Injectable()
export class CatalogReader {
  constructor(
    private readonly db: TenantDatabase,
    private readonly cache: TenantContentCache,
    private readonly specialties: SpecialtiesService,
    private readonly priceRules: PriceRulesService,
  ) {}

  snapshot(tenantId: string): Promise<CatalogSnapshot> {
    return this.cache.get(tenantId, 'catalog', () => this.load(tenantId));
  }

  /** Whether a case's add-ons include the translation of its opinion (an add-on withdrawn since still counts). */
  async buysTranslation(tx: EntityManager, addOnIds: string[]): Promise<boolean> {
    if (!addOnIds.length) return false;
    return (await tx.count(OfferingAddOn, { where: { id: In(addOnIds), translation: true } })) > 0;
  }

  private load(tenantId: string): Promise<CatalogSnapshot> {
    return this.db.forTenant(tenantId, async (tx) => {
      const specialties = await this.specialties.list(tx, tenantId);
      const offerings = await tx.find(Offering, { where: { tenantId, active: true }, order: { position: 'ASC', slug: 'ASC' } });
      const addOns = await tx.find(OfferingAddOn, { where: { tenantId, active: true }, order: { position: 'ASC', code: 'ASC' } });
      const slugOf = new Map(specialties.map((s) => [s.id, s.slug]));
      return {
        specialties: specialties.map((s) => ({
          id: s.id,
          slug: s.slug,
          position: s.position,
          name: s.name,
          summary: s.summary,
          description: s.description ?? undefined,
          reviewed: s.reviewed,
          faqs: s.faqs,
        })),
        // An offering of a withdrawn specialty is not on sale.
        offerings: offerings
          .filter((o) => slugOf.has(o.specialtyId))
          .map((o) => ({
            id: o.id,
            slug: o.slug,
            specialtyId: o.specialtyId,
            specialtySlug: slugOf.get(o.specialtyId)!,
            position: o.position,
            name: o.name,
            description: o.description,
            priceMinor: o.priceMinor,
            currency: o.currency,
            turnaroundBusinessDays: o.turnaroundBusinessDays,
            followUpQuestions: o.followUpQuestions,
            extraFollowUpPriceMinor: o.extraFollowUpPriceMinor ?? undefined,
            videoConsultPriceMinor: o.videoConsultPriceMinor ?? undefined,
            addOns: addOns
              .filter((a) => a.offeringId === o.id)
              .map((a) => ({
                id: a.id,
                code: a.code,
                name: a.name,
                description: a.description ?? undefined,
                priceMinor: a.priceMinor,
                ...(a.translation ? { translation: true } : {}),
              })),
            intakeQuestions: o.intakeQuestions,
            exclusions: o.exclusions,
          })),
        priceRules: await this.priceRules.list(tx, tenantId),
      };
    });
  }
}
