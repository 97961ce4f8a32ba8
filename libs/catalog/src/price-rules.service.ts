import { Injectable } from '@nestjs/common';
import { RequestContext, TenantDatabase } from '@consilium/core';
import { changedFields, describeFields } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import type { PriceRuleInput } from './catalog.types';
import { PriceRule } from './price-rule.entity';

/** At most one rule per region; a region without a rule pays the offering's own price. */
@Injectable()
export class PriceRulesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
  ) {}

  async sync(tx: EntityManager, tenantId: string, inputs: PriceRuleInput[]): Promise<string[]> {
    const existing = await tx.findBy(PriceRule, { tenantId });
    const changes: string[] = [];
    for (const input of inputs) {
      const desired = { surchargeMinor: input.surchargeMinor, surchargePercent: input.surchargePercent, note: input.note ?? null };
      const row = existing.find((r) => r.region === input.region);
      if (!row) {
        await tx.insert(PriceRule, { tenantId, region: input.region, ...desired });
        changes.push(`add price rule ${input.region}`);
        continue;
      }
      const changed = changedFields(row, desired);
      if (!changed.length) continue;
      await tx.update(PriceRule, { tenantId, id: row.id }, desired);
      changes.push(`update price rule ${input.region}: ${describeFields(row, desired, changed)}`);
    }
    // A rule is a setting, not a record others point at: removing it deletes it.
    for (const row of existing.filter((r) => !inputs.some((i) => i.region === r.region))) {
      await tx.delete(PriceRule, { tenantId, id: row.id });
      changes.push(`remove price rule ${row.region}`);
    }
    return changes;
  }

  async list(tx: EntityManager, tenantId: string): Promise<PriceRuleInput[]> {
    const order = ['in_state', 'out_of_state', 'international'];
    return (await tx.findBy(PriceRule, { tenantId }))
      .sort((a, b) => order.indexOf(a.region) - order.indexOf(b.region))
      .map((r) => ({
        region: r.region,
        surchargeMinor: r.surchargeMinor,
        surchargePercent: r.surchargePercent,
        note: r.note ?? undefined,
      }));
  }

  /** For the admin console: replaces the current tenant's rules. */
  replace(inputs: PriceRuleInput[]): Promise<string[]> {
    const tenantId = this.context.tenant().id;
    return this.db.transaction((tx) => this.sync(tx, tenantId, inputs));
  }
}
