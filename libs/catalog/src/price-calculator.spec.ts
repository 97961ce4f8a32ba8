import type { OfferingRecord } from './catalog.types';
import { quote, regionalPrice } from './price-calculator';

const offering = {
  slug: 'cancer-review',
  priceMinor: 95000,
  currency: 'USD',
  addOns: [
    { id: 'a1', code: 'pathology', name: 'Pathology', priceMinor: 35000 },
    { id: 'a2', code: 'radiology', name: 'Radiology', priceMinor: 25000 },
  ],
} as unknown as OfferingRecord;

describe('prices', () => {
  it('adjusts the offering price by percentage, then amount, in whole minor units, never below zero', () => {
    expect(regionalPrice(95000, undefined)).toBe(95000);
    expect(regionalPrice(95000, { region: 'international', surchargePercent: 25, surchargeMinor: 0 })).toBe(118750);
    expect(regionalPrice(99999, { region: 'international', surchargePercent: 15, surchargeMinor: 0 })).toBe(114999);
    expect(regionalPrice(95000, { region: 'out_of_state', surchargePercent: 0, surchargeMinor: 10000 })).toBe(105000);
    expect(regionalPrice(5000, { region: 'in_state', surchargePercent: 0, surchargeMinor: -9000 })).toBe(0);
  });

  it('quotes the full price with add-ons, which keep their own price everywhere', () => {
    const rules = [{ region: 'international' as const, surchargePercent: 25, surchargeMinor: 0 }];
    expect(quote(offering, ['pathology'], 'international', rules)).toEqual({
      region: 'international',
      currency: 'USD',
      lines: [
        { kind: 'offering', code: 'cancer-review', amountMinor: 118750 },
        { kind: 'add_on', code: 'pathology', amountMinor: 35000 },
      ],
      totalMinor: 153750,
    });
    expect(() => quote(offering, ['massage'], 'in_state', rules)).toThrow('offering cancer-review has no add-on massage');
  });
});
