import { Injectable } from '@nestjs/common';
import { Blueprint, BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { OfferingInput, PriceRuleInput, SpecialtyInput } from './catalog.types';
import { OfferingsService } from './offerings.service';
import { PriceRulesService } from './price-rules.service';
import { SpecialtiesService } from './specialties.service';

/** `specialties:`, `offerings:` and `price_rules:` of tenant.yaml, to and from the catalog tables. */
@Injectable()
export class CatalogBlueprintSection implements BlueprintSection {
  readonly name = 'catalog';
  readonly order = 10;

  constructor(
    private readonly specialties: SpecialtiesService,
    private readonly offerings: OfferingsService,
    private readonly priceRules: PriceRulesService,
  ) {}

  async apply({ tx, tenantId, currency, blueprint, changes }: SectionApplyContext): Promise<void> {
    changes.push(...(await this.specialties.sync(tx, tenantId, blueprint.specialties.map(specialtyInput))));
    changes.push(
      ...(await this.offerings.sync(
        tx,
        tenantId,
        blueprint.offerings.map((o, i) => offeringInput(o, i, currency)),
      )),
    );
    changes.push(...(await this.priceRules.sync(tx, tenantId, blueprint.price_rules.map(priceRuleInput))));
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const specialties = await this.specialties.list(tx, tenantId);
    const offerings = await this.offerings.list(tx, tenantId);
    const rules = await this.priceRules.list(tx, tenantId);
    return {
      specialties: specialties.map((s) => ({
        slug: s.slug,
        name: s.name,
        summary: s.summary,
        description: s.description ?? undefined,
        reviewed: s.reviewed,
        faqs: s.faqs,
      })),
      offerings: offerings.map((o) => ({
        slug: o.slug,
        specialty: o.specialtySlug,
        name: o.name,
        description: o.description,
        price: o.priceMinor,
        turnaround_days: o.turnaroundBusinessDays,
        follow_up_questions: o.followUpQuestions,
        extra_follow_up_price: o.extraFollowUpPriceMinor,
        video_consult_price: o.videoConsultPriceMinor,
        add_ons: o.addOns.map((a) => ({
          code: a.code,
          name: a.name,
          description: a.description,
          price: a.priceMinor,
          ...(a.translation ? { translation: true } : {}),
        })),
        intake_questions: o.intakeQuestions,
        exclusions: o.exclusions,
      })),
      price_rules: rules.map((r) => ({
        region: r.region,
        ...(r.surchargePercent ? { surcharge_percent: r.surchargePercent } : { surcharge: r.surchargeMinor }),
        note: r.note,
      })),
    };
  }
}

function specialtyInput(s: Blueprint['specialties'][number], position: number): SpecialtyInput {
  return { slug: s.slug, position, name: s.name, summary: s.summary, description: s.description, reviewed: s.reviewed, faqs: s.faqs };
}

function offeringInput(o: Blueprint['offerings'][number], position: number, currency: string): OfferingInput {
  return {
    slug: o.slug,
    specialtySlug: o.specialty,
    position,
    name: o.name,
    description: o.description,
    priceMinor: o.price,
    currency,
    turnaroundBusinessDays: o.turnaround_days,
    followUpQuestions: o.follow_up_questions,
    extraFollowUpPriceMinor: o.extra_follow_up_price,
    videoConsultPriceMinor: o.video_consult_price,
    addOns: o.add_ons.map((a) => ({
      code: a.code,
      name: a.name,
      description: a.description,
      priceMinor: a.price,
      ...(a.translation ? { translation: true } : {}),
    })),
    intakeQuestions: o.intake_questions,
    exclusions: o.exclusions,
  };
}

function priceRuleInput(r: Blueprint['price_rules'][number]): PriceRuleInput {
  return { region: r.region, surchargeMinor: r.surcharge ?? 0, surchargePercent: r.surcharge_percent ?? 0, note: r.note };
}
