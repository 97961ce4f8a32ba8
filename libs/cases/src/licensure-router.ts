/**
 * Licensure routing: one deterministic function of where the patient is, what they asked for, who on the roster is
 * licensed there (on the day), and the hospital's policy. No I/O: the caller loads the inputs, stores the result on
 * the case, and shows its reasons to staff and, in plain words, to the patient.
 */

export type LicensureRoute = 'direct' | 'physician_to_physician' | 'educational' | 'declined';
export type UnlicensedPolicy = 'physician_to_physician' | 'educational' | 'decline';
export type JurisdictionClass = 'in_state' | 'out_of_state' | 'international';

export interface RoutingPolicy {
  /** A US state where no eligible physician holds a license. */
  unlicensedState: UnlicensedPolicy;
  /** A patient outside the United States. */
  international: UnlicensedPolicy;
}

export interface RosterPhysician {
  id: string;
  name: string;
  specialtyIds: string[];
  acceptingCases: boolean;
  /** `US-IL`, `US-AZ`; international licenses as the ISO country code (`MX`). */
  licenses: { jurisdiction: string; expiresOn: string }[];
}

export interface RoutingInput {
  /** `US-IL` for a US state, an ISO 3166 alpha-2 code (`MX`) elsewhere. */
  jurisdiction: string;
  /** The hospital's own state, e.g. `US-IL`. */
  homeJurisdiction: string;
  specialtyId: string;
  /** Jurisdictions the offering does not serve at all. */
  excludedJurisdictions: string[];
  physicians: RosterPhysician[];
  policy: RoutingPolicy;
  /** The day the decision is made, `YYYY-MM-DD` in the hospital's time zone: a license valid through it counts. */
  today: string;
  requestedPhysicianId?: string;
}

export interface RoutingReason {
  code: string;
  text: string;
}

export interface RoutingDecision {
  route: LicensureRoute;
  jurisdictionClass: JurisdictionClass;
  /** Physicians who may take the case on this route (licensed there for `direct`; any eligible otherwise). */
  eligiblePhysicianIds: string[];
  reasons: RoutingReason[];
  /** Whether the route needs the patient's own doctor named and invited. */
  needsLocalPhysician: boolean;
  requestedPhysician?: { id: string; eligible: boolean; reason?: string };
}

export function jurisdictionClass(jurisdiction: string, home: string): JurisdictionClass {
  if (!jurisdiction.startsWith('US-')) return 'international';
  return jurisdiction === home ? 'in_state' : 'out_of_state';
}

export function routeCase(input: RoutingInput): RoutingDecision {
  const cls = jurisdictionClass(input.jurisdiction, input.homeJurisdiction);
  const reasons: RoutingReason[] = [];
  const where = describe(input.jurisdiction);

  if (input.excludedJurisdictions.includes(input.jurisdiction)) {
    return decision(
      'declined',
      cls,
      [],
      [{ code: 'jurisdiction_excluded', text: `This service is not offered to patients in ${where}.` }],
      input,
    );
  }
  const inSpecialty = input.physicians.filter((p) => p.acceptingCases && p.specialtyIds.includes(input.specialtyId));
  if (!inSpecialty.length) {
    return decision('declined', cls, [], [{ code: 'no_physician', text: 'No physician in this specialty is accepting new cases.' }], input);
  }
  const licensed = inSpecialty.filter((p) => p.licenses.some((l) => l.jurisdiction === input.jurisdiction && l.expiresOn >= input.today));
  if (licensed.length) {
    reasons.push({
      code: 'licensed',
      text: `${licensed.length} physician${licensed.length > 1 ? 's are' : ' is'} licensed in ${where}: a direct opinion is possible.`,
    });
    return decision(
      'direct',
      cls,
      licensed.map((p) => p.id),
      reasons,
      input,
    );
  }
  const expired = inSpecialty.some((p) => p.licenses.some((l) => l.jurisdiction === input.jurisdiction && l.expiresOn < input.today));
  if (expired) reasons.push({ code: 'license_expired', text: `A license in ${where} has expired, so it does not count.` });
  const policy = cls === 'international' ? input.policy.international : input.policy.unlicensedState;
  reasons.push({
    code: cls === 'international' ? 'international' : 'unlicensed_state',
    text:
      cls === 'international'
        ? `The patient is outside the United States (${where}).`
        : `No physician in this specialty is licensed in ${where}.`,
  });
  if (policy === 'decline') {
    reasons.push({ code: 'policy_decline', text: 'The hospital’s policy is to decline such requests, at no charge.' });
    return decision('declined', cls, [], reasons, input);
  }
  if (policy === 'physician_to_physician') {
    reasons.push({
      code: 'policy_p2p',
      text: 'The opinion goes to the patient’s own physician, who must be named and is invited to read it.',
    });
    return decision(
      'physician_to_physician',
      cls,
      inSpecialty.map((p) => p.id),
      reasons,
      input,
    );
  }
  reasons.push({
    code: 'policy_educational',
    text: 'The opinion is educational: it informs the patient and their own physician, who remains responsible for care.',
  });
  return decision(
    'educational',
    cls,
    inSpecialty.map((p) => p.id),
    reasons,
    input,
  );
}

function decision(
  route: LicensureRoute,
  cls: JurisdictionClass,
  eligible: string[],
  reasons: RoutingReason[],
  input: RoutingInput,
): RoutingDecision {
  const result: RoutingDecision = {
    route,
    jurisdictionClass: cls,
    eligiblePhysicianIds: eligible,
    reasons,
    needsLocalPhysician: route === 'physician_to_physician',
  };
  if (input.requestedPhysicianId) {
    const requested = input.physicians.find((p) => p.id === input.requestedPhysicianId);
    const eligibleNow = eligible.includes(input.requestedPhysicianId);
    result.requestedPhysician = {
      id: input.requestedPhysicianId,
      eligible: eligibleNow,
      reason: eligibleNow
        ? undefined
        : !requested
          ? 'This physician is not on the roster.'
          : !requested.acceptingCases
            ? `${requested.name} is not accepting new cases; another specialist will be chosen.`
            : !requested.specialtyIds.includes(input.specialtyId)
              ? `${requested.name} does not review this specialty; another specialist will be chosen.`
              : `${requested.name} is not licensed in ${describe(input.jurisdiction)}; another specialist will be chosen.`,
    };
  }
  return result;
}

function describe(jurisdiction: string): string {
  if (jurisdiction.startsWith('US-')) return US_STATES[jurisdiction.slice(3)] ?? jurisdiction;
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' }).of(jurisdiction) ?? jurisdiction;
  } catch {
    return jurisdiction;
  }
}

export const US_STATES: Record<string, string> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  PR: 'Puerto Rico',
};
