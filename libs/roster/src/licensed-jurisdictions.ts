import type { PhysicianRecord } from './roster.types';

/** Building an Intl formatter costs far more than using one: one per time zone, kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Today's date where the hospital is, as YYYY-MM-DD (licenses expire at the end of their day there). */
export function todayIn(timeZone: string, now = new Date()): string {
  let format = formatters.get(timeZone);
  if (!format) formatters.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(now);
}

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
