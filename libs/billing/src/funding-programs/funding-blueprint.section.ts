import { Injectable } from '@nestjs/common';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { FundingProgramsService } from './funding-programs.service';

/** `funding_programs:` of tenant.yaml. After the catalog: a program may be limited to a specialty. */
@Injectable()
export class FundingBlueprintSection implements BlueprintSection {
  readonly name = 'funding';
  readonly order = 30;

  constructor(private readonly programs: FundingProgramsService) {}

  async apply({ tx, tenantId, currency, blueprint, changes }: SectionApplyContext): Promise<void> {
    const inputs = blueprint.funding_programs.map((f, position) => ({
      slug: f.slug,
      position,
      name: f.name,
      description: f.description,
      sponsor: f.sponsor,
      coversPercent: f.covers_percent,
      coversMinor: f.covers_amount,
      currency,
      budgetMinor: f.budget,
      access: f.access,
      eligibility: f.eligibility,
      reviewRequired: f.review,
      specialtySlug: f.specialty,
    }));
    changes.push(...(await this.programs.sync(tx, tenantId, inputs)));
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    return {
      funding_programs: (await this.programs.list(tx, tenantId)).map((f) => ({
        slug: f.slug,
        name: f.name,
        description: f.description,
        sponsor: f.sponsor,
        covers_percent: f.coversPercent,
        covers_amount: f.coversMinor,
        budget: f.budgetMinor,
        access: f.access,
        eligibility: f.eligibility,
        review: f.reviewRequired ?? false,
        specialty: f.specialtySlug,
      })),
    };
  }
}
