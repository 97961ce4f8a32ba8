import { isUsState } from './jurisdictions';

/**
 * What a hospital does for a patient where none of its physicians is licensed (DESIGN.md, "Licensure routing").
 * This is the tenant's setting; the cases lib's `routeCase` applies it to a case:
 * - physician_to_physician: the patient names a local physician, who receives the opinion;
 * - educational: the opinion is framed as education, with its disclaimer;
 * - decline: the case is declined with a clear reason and no charge.
 */
export const LICENSURE_ROUTES = ['physician_to_physician', 'educational', 'decline'] as const;
export type LicensureRoute = (typeof LICENSURE_ROUTES)[number];

export interface LicensurePolicy {
  /** Another US state where no physician of the hospital holds a current license. */
  unlicensedStates: LicensureRoute;
  /** A patient outside the United States. */
  international: LicensureRoute;
}

export type PriceRegion = 'in_state' | 'out_of_state' | 'international';

/** Which price rule applies to a patient: the hospital's own state, another state, or another country. */
export function priceRegionFor(jurisdiction: string, homeJurisdiction: string | undefined): PriceRegion {
  if (!isUsState(jurisdiction)) return 'international';
  return jurisdiction === homeJurisdiction ? 'in_state' : 'out_of_state';
}
