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
