import { Injectable } from '@nestjs/common';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { readQualityCheck, writeQualityCheck } from './quality-settings';

/** `quality_check:` of tenant.yaml, the same choice an admin makes on the quality check's settings page. */
@Injectable()
export class QualityBlueprintSection implements BlueprintSection {
  readonly name = 'quality_check';
  readonly order = 70;

  async apply({ tx, tenantId, blueprint, changes }: SectionApplyContext): Promise<void> {
    const wanted = blueprint.quality_check;
    if (!wanted) return;
    const current = await readQualityCheck(tx, tenantId);
    if (current === wanted) return;
    await writeQualityCheck(tx, tenantId, wanted);
    changes.push(`set quality check ${current} -> ${wanted}`);
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const current = await readQualityCheck(tx, tenantId);
    return current === 'none' ? {} : { quality_check: current };
  }
}
