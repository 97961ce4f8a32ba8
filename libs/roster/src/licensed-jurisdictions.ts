import type { PhysicianRecord } from './roster.types';

/**
 * Where at least one of `physicians` (optionally: with a given specialty) holds a license current on `today`.
 * What licensure routing and the how-it-works page call "where we can give a direct opinion".
 */
export function licensedJurisdictions(physicians: PhysicianRecord[], today: string, specialtyId?: string): Set<string> {
  const places = new Set<string>();
  for (const p of physicians) {
    if (specialtyId && !p.specialtyIds.includes(specialtyId)) continue;
    for (const license of p.licenses) if (license.expiresOn >= today) places.add(license.jurisdiction);
  }
  return places;
}

/** A physician who can take a new case today: accepting new cases, with weekly room, and licensed somewhere today. */
export function canTakeCases(
  physician: Pick<PhysicianRecord, 'acceptingNewCases' | 'weeklyCapacity' | 'licenses'>,
  today: string,
): boolean {
  return physician.acceptingNewCases && physician.weeklyCapacity > 0 && physician.licenses.some((l) => l.expiresOn >= today);
}

/**
 * The specialties (by id) that at least one physician can take a case in today. A specialty outside this set is
 * not sold: its page says "not available right now" instead of a price and a button, it leaves the sitemap, and
 * the intake does not offer it (rather than refusing the patient after the first step).
 */
export function staffedSpecialtyIds(physicians: PhysicianRecord[], today: string): Set<string> {
  const staffed = new Set<string>();
  for (const p of physicians) if (canTakeCases(p, today)) for (const id of p.specialtyIds) staffed.add(id);
  return staffed;
}
