import { Injectable } from '@nestjs/common';
import { AppConfig, projectRoot } from '@consilium/core';
import { ApplyResult, BlueprintApplier } from './blueprint-applier';
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

  /** Applies only when every chosen blueprint is valid: a half-applied set of tenants helps nobody. */
  async apply(
    slugs: string[] = [],
    options: { dryRun?: boolean; root?: string } = {},
  ): Promise<ValidationReport & { results: ApplyResult[] }> {
    const report = this.validate(slugs, options.root);
    if (report.problems.length) return { ...report, results: [] };
    const results: ApplyResult[] = [];
    for (const loaded of report.valid) results.push(await this.applier.apply(loaded, { dryRun: options.dryRun }));
    return { ...report, results };
  }
}
