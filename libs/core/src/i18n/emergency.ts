/**
 * The number to call in a medical emergency, by where the patient lives: consents and letters say "call 911" only
 * to someone for whom 911 is the number. Keyed by ISO 3166-1 alpha-2 country; a subdivision (`US-IL`, as the
 * licensure rules write a US state) counts as its country. The ambulance number where a country has several.
 */
const EMERGENCY_NUMBERS: Record<string, string> = {
  // North America and the Caribbean (NANP territories included), and Latin American countries on 911.
  US: '911',
  CA: '911',
  MX: '911',
  PR: '911',
  VI: '911',
  GU: '911',
  DO: '911',
  CR: '911',
  PA: '911',
  SV: '911',
  HN: '911',
  EC: '911',
  UY: '911',
  PY: '911',
  VE: '911',
  PH: '911',
  // Elsewhere in the Americas: the ambulance.
  AR: '107',
  BR: '192',
  CL: '131',
  CO: '123',
  // The European Union's single number, and the countries of the EEA and Switzerland that share it.
  ...Object.fromEntries(
    'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH'
      .split(' ')
      .map((country) => [country, '112']),
  ),
  GB: '999',
  HK: '999',
  AU: '000',
  NZ: '111',
  IN: '112',
  IL: '101',
  JP: '119',
  KR: '119',
  CN: '120',
  SG: '995',
};

/**
 * Where the country is unknown or not in the table: 112 is the GSM emergency number, which mobile phones route to
 * the local emergency service in most of the world (in the US and Canada too).
 */
export const DEFAULT_EMERGENCY_NUMBER = '112';

/** `emergencyNumber('US-IL')` -> '911', `('GB')` -> '999', `('FR')` -> '112', `(null)` -> the default. */
export function emergencyNumber(place: string | null | undefined): string {
  const country = place?.split('-')[0]?.toUpperCase();
  return (country && EMERGENCY_NUMBERS[country]) || DEFAULT_EMERGENCY_NUMBER;
}
