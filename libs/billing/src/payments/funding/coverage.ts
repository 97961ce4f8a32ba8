/**
 * How much of a price a funding program pays. The shape matches the catalog's funding_programs columns:
 * exactly one of a percentage (100 = full coverage) or a fixed amount in minor units.
 */
export interface FundingCoverage {
  coversPercent?: number | null;
  coversMinor?: number | null;
}

export type CoverageKind = 'full' | 'percent' | 'fixed';

export function coverageKind(program: FundingCoverage): CoverageKind {
  if (program.coversMinor != null) return 'fixed';
  return program.coversPercent === 100 ? 'full' : 'percent';
}

/** The program's share of `priceMinor`, rounded down (the patient never pays a fraction the fund promised). */
export function coveredAmount(program: FundingCoverage, priceMinor: number): number {
  if (!Number.isInteger(priceMinor) || priceMinor < 0) throw new RangeError('a price is a whole, non-negative number of minor units');
  if (program.coversMinor != null) return Math.min(program.coversMinor, priceMinor);
  const percent = Math.min(Math.max(program.coversPercent ?? 0, 0), 100);
  return Math.floor((priceMinor * percent) / 100);
}
