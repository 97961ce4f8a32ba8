import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LoadedBlueprint } from './blueprint-loader';
import type { Blueprint, BlueprintInput } from './blueprint.schema';

export interface SectionApplyContext {
  /** The operator path's transaction, with `app.tenant_id` set to this tenant (triggers and defaults see it). */
  tx: EntityManager;
  tenantId: string;
  currency: string;
  blueprint: Blueprint;
  loaded: LoadedBlueprint;
  /** Append one human-readable line per change; nothing when the database already matches. */
  changes: string[];
}

/**
 * The part of a blueprint a domain lib owns (catalog: specialties, offerings, price rules; roster: physicians; ...).
 * Tenancy owns the file format and the tenant row; each lib writes and reads its own tables, through the same
 * services its console pages use, and registers its section here when its module starts.
 */
export interface BlueprintSection {
  readonly name: string;
  /** Sections apply in ascending order: physicians need the specialties they reference. */
  readonly order: number;
  apply(context: SectionApplyContext): Promise<void>;
  /** The section's keys of tenant.yaml as they would re-apply to the same site (active rows only). */
  export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>>;
}

@Injectable()
export class BlueprintSections {
  private readonly sections: BlueprintSection[] = [];

  register(section: BlueprintSection): void {
    if (this.sections.some((s) => s.name === section.name)) return;
    this.sections.push(section);
    this.sections.sort((a, b) => a.order - b.order);
  }

  all(): readonly BlueprintSection[] {
    return this.sections;
  }
}
