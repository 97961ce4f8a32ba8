import { Injectable } from '@nestjs/common';
import { formatMoney } from '@consilium/core';
import { BlueprintInput, BlueprintSection, SectionApplyContext } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { AnalyticsSettings, readAnalyticsSettings, writeAnalyticsSettings } from './analytics-settings';

/**
 * `analytics:` of tenant.yaml: the program's monthly cost and per-specialty procedure values, the same settings an
 * admin edits on the analytics page (kept by specialty id; written in the blueprint by specialty slug). A blueprint
 * without the key leaves them as they are.
 */
@Injectable()
export class AnalyticsBlueprintSection implements BlueprintSection {
  readonly name = 'analytics';
  /** After the catalog: values name its specialties. */
  readonly order = 60;

  async apply({ tx, tenantId, currency, blueprint, changes }: SectionApplyContext): Promise<void> {
    if (!blueprint.analytics) return;
    const ids = await this.specialtyIds(tx, tenantId);
    const wanted: AnalyticsSettings = {
      monthlyCostMinor: blueprint.analytics.monthly_cost,
      procedureEstimates: Object.fromEntries(
        Object.entries(blueprint.analytics.procedure_values).map(([slug, value]) => [ids.get(slug)!, value]),
      ),
    };
    const current = await readAnalyticsSettings(tx, tenantId);
    const shown = (minor: number | undefined) => (minor === undefined ? 'none' : formatMoney(minor, currency));
    const mine: string[] = [];
    if (current.monthlyCostMinor !== wanted.monthlyCostMinor)
      mine.push(`set analytics monthly cost ${shown(current.monthlyCostMinor)} -> ${shown(wanted.monthlyCostMinor)}`);
    for (const [slug, id] of ids) {
      const [was, now] = [current.procedureEstimates[id], wanted.procedureEstimates[id]];
      if (was !== now) mine.push(`set analytics procedure value ${slug} ${shown(was)} -> ${shown(now)}`);
    }
    if (!mine.length) return;
    await writeAnalyticsSettings(tx, tenantId, wanted);
    changes.push(...mine);
  }

  async export(tx: EntityManager, tenantId: string): Promise<Partial<BlueprintInput>> {
    const current = await readAnalyticsSettings(tx, tenantId);
    // In the catalog's order, active specialties only like the rest of an export (a retired one would not validate).
    const values = [...(await this.specialtyIds(tx, tenantId, true))]
      .filter(([, id]) => current.procedureEstimates[id] !== undefined)
      .map(([slug, id]): [string, number] => [slug, current.procedureEstimates[id]]);
    if (!current.monthlyCostMinor && !values.length) return {};
    return { analytics: { monthly_cost: current.monthlyCostMinor, procedure_values: Object.fromEntries(values) } };
  }

  private async specialtyIds(tx: EntityManager, tenantId: string, activeOnly = false): Promise<Map<string, string>> {
    const rows: { slug: string; id: string }[] = await tx.query(
      `SELECT slug, id FROM specialties WHERE tenant_id = $1 ${activeOnly ? 'AND active' : ''} ORDER BY position, slug`,
      [tenantId],
    );
    return new Map(rows.map((r) => [r.slug, r.id]));
  }
}
