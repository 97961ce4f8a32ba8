import type { Localized } from '@consilium/tenancy';

export type FundingAccess = 'open' | 'code' | 'eligibility';

/** What the blueprint and the admin console write for a funding program. Amounts in minor units. */
export interface FundingProgramInput {
  slug: string;
  position: number;
  name: Localized;
  description: Localized;
  sponsor?: string;
  /** Exactly one of the two: a share of the price, or a fixed amount off it. */
  coversPercent?: number;
  coversMinor?: number;
  currency: string;
  /** The most the program pays out in total: kept in funding_budgets, where payments reserve and spend it. */
  budgetMinor: number;
  access: FundingAccess;
  eligibility?: Localized;
  /** A coordinator confirms each patient's eligibility before acceptance. */
  reviewRequired?: boolean;
  /** Limits the program to one specialty. */
  specialtySlug?: string;
}

export type FundingProgramRecord = FundingProgramInput & { id: string; specialtyId?: string };
