import { Injectable } from '@nestjs/common';
import { AppConfig, projectRoot } from '@consilium/core';
import { ApplyOptions, ApplyResult, BlueprintApplier, ConsoleEditsConflict } from './blueprint-applier';
import { validateBlueprints, ValidationReport } from './blueprint-loader';

/** The blueprints folder (`tenants/` by default): validate all of them, apply the valid ones. */
@Injectable()
export class BlueprintCatalog {
  constructor(
    private readonly applier: BlueprintApplier,
    private readonly config: AppConfig,
  ) {}

  validate(slugs: string[] = [], root = this.config.tenantsDir): ValidationReport {
    return validateBlueprints(root, slugs, projectRoot());
  }

  /**
   * Applies only when every chosen blueprint is valid: a half-applied set of tenants helps nobody. A hospital edited
   * in the console since its last apply is left as it is and reported in `kept` (the others are applied).
   */
  async apply(
    slugs: string[] = [],
    options: ApplyOptions & { root?: string } = {},
  ): Promise<ValidationReport & { results: ApplyResult[]; kept: ConsoleEditsConflict[] }> {
    const report = this.validate(slugs, options.root);
    if (report.problems.length) return { ...report, results: [], kept: [] };
    const results: ApplyResult[] = [];
    const kept: ConsoleEditsConflict[] = [];
    for (const loaded of report.valid) {
      try {
        results.push(await this.applier.apply(loaded, options));
      } catch (error) {
        if (!(error instanceof ConsoleEditsConflict)) throw error;
        kept.push(error);
      }
    }
    return { ...report, results, kept };
  }
}
