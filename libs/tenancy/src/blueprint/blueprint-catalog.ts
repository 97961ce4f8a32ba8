import { Injectable } from '@nestjs/common';
import { AppConfig, projectRoot } from '@consilium/core';
import { ApplyResult, BlueprintApplier } from './blueprint-applier';
import { blueprintDirs, BlueprintProblem, LoadedBlueprint, loadBlueprint } from './blueprint-loader';

export interface ValidationReport {
  valid: LoadedBlueprint[];
  problems: BlueprintProblem[];
}

/** The blueprints folder (`tenants/` by default): validate all of them, apply the valid ones. */
@Injectable()
export class BlueprintCatalog {
  constructor(
    private readonly applier: BlueprintApplier,
    private readonly config: AppConfig,
  ) {}

  validate(slugs: string[] = [], root = this.config.tenantsDir): ValidationReport {
    const report: ValidationReport = { valid: [], problems: [] };
    for (const dir of blueprintDirs(root, slugs)) {
      const result = loadBlueprint(dir, projectRoot());
      if (result.ok) report.valid.push(result.loaded);
      else report.problems.push(...result.problems);
    }
    return report;
  }

  /** Applies only when every chosen blueprint is valid: a half-applied set of tenants helps nobody. */
  async apply(slugs: string[] = [], options: { dryRun?: boolean; root?: string } = {}): Promise<ValidationReport & { results: ApplyResult[] }> {
    const report = this.validate(slugs, options.root);
    if (report.problems.length) return { ...report, results: [] };
    const results: ApplyResult[] = [];
    for (const loaded of report.valid) results.push(await this.applier.apply(loaded, { dryRun: options.dryRun }));
    return { ...report, results };
  }
}
