import type { PriceRegion } from '@consilium/tenancy';
import type { OfferingRecord, PriceRuleInput } from './catalog.types';

export interface QuoteLine {
  kind: 'offering' | 'add_on';
  code: string;
  amountMinor: number;
}

export interface Quote {
  region: PriceRegion;
  currency: string;
  lines: QuoteLine[];
  totalMinor: number;
}

/**
 * The offering's price for a region: a percentage first, then a fixed amount, rounded to a whole minor unit and
 * never below zero. Add-ons keep their own price everywhere: they pay for a fixed piece of work.
 */
export function regionalPrice(priceMinor: number, rule: PriceRuleInput | undefined): number {
  if (!rule) return priceMinor;
  const adjusted = Math.round((priceMinor * (100 + rule.surchargePercent)) / 100) + rule.surchargeMinor;
  return Math.max(0, adjusted);
}

/** The full price shown before payment (DESIGN.md, "Quote before commitment"); funding is applied by billing. */
export function quote(offering: OfferingRecord, addOnCodes: string[], region: PriceRegion, rules: PriceRuleInput[]): Quote {
  const rule = rules.find((r) => r.region === region);
  const lines: QuoteLine[] = [{ kind: 'offering', code: offering.slug, amountMinor: regionalPrice(offering.priceMinor, rule) }];
  for (const code of addOnCodes) {
    const addOn = offering.addOns.find((a) => a.code === code);
    if (!addOn) throw new Error(`offering ${offering.slug} has no add-on ${code}`);
    lines.push({ kind: 'add_on', code, amountMinor: addOn.priceMinor });
  }
  return { region, currency: offering.currency, lines, totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0) };
}
