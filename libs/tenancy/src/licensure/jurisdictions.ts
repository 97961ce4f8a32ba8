/**
 * Where a patient lives or a physician is licensed: a US state as ISO 3166-2 (`US-IL`) or a country as ISO 3166-1
 * alpha-2 (`MX`). The `US-` prefix keeps Illinois (`US-IL`) apart from Israel (`IL`).
 */
const US_STATES: Record<string, { en: string; es?: string; fr?: string }> = {
  AL: { en: 'Alabama' },
  AK: { en: 'Alaska' },
  AZ: { en: 'Arizona' },
  AR: { en: 'Arkansas' },
  CA: { en: 'California', fr: 'Californie' },
  CO: { en: 'Colorado' },
  CT: { en: 'Connecticut' },
  DE: { en: 'Delaware' },
  DC: { en: 'District of Columbia', es: 'Distrito de Columbia', fr: 'District de Columbia' },
  FL: { en: 'Florida', fr: 'Floride' },
  GA: { en: 'Georgia', fr: 'Géorgie' },
  HI: { en: 'Hawaii', es: 'Hawái', fr: 'Hawaï' },
  ID: { en: 'Idaho' },
  IL: { en: 'Illinois' },
  IN: { en: 'Indiana' },
  IA: { en: 'Iowa' },
  KS: { en: 'Kansas' },
  KY: { en: 'Kentucky' },
  LA: { en: 'Louisiana', es: 'Luisiana', fr: 'Louisiane' },
  ME: { en: 'Maine' },
  MD: { en: 'Maryland' },
  MA: { en: 'Massachusetts' },
  MI: { en: 'Michigan', es: 'Míchigan' },
  MN: { en: 'Minnesota' },
  MS: { en: 'Mississippi', es: 'Misisipi' },
  MO: { en: 'Missouri', es: 'Misuri' },
  MT: { en: 'Montana' },
  NE: { en: 'Nebraska' },
  NV: { en: 'Nevada' },
  NH: { en: 'New Hampshire', es: 'Nuevo Hampshire', fr: 'New Hampshire' },
  NJ: { en: 'New Jersey', es: 'Nueva Jersey' },
  NM: { en: 'New Mexico', es: 'Nuevo México', fr: 'Nouveau-Mexique' },
  NY: { en: 'New York', es: 'Nueva York' },
  NC: { en: 'North Carolina', es: 'Carolina del Norte', fr: 'Caroline du Nord' },
  ND: { en: 'North Dakota', es: 'Dakota del Norte', fr: 'Dakota du Nord' },
  OH: { en: 'Ohio' },
  OK: { en: 'Oklahoma' },
  OR: { en: 'Oregon', es: 'Oregón' },
  PA: { en: 'Pennsylvania', es: 'Pensilvania', fr: 'Pennsylvanie' },
  RI: { en: 'Rhode Island' },
  SC: { en: 'South Carolina', es: 'Carolina del Sur', fr: 'Caroline du Sud' },
  SD: { en: 'South Dakota', es: 'Dakota del Sur', fr: 'Dakota du Sud' },
  TN: { en: 'Tennessee', es: 'Tennessee' },
  TX: { en: 'Texas' },
  UT: { en: 'Utah' },
  VT: { en: 'Vermont' },
  VA: { en: 'Virginia', fr: 'Virginie' },
  WA: { en: 'Washington' },
  WV: { en: 'West Virginia', es: 'Virginia Occidental', fr: 'Virginie-Occidentale' },
  WI: { en: 'Wisconsin' },
  WY: { en: 'Wyoming' },
  PR: { en: 'Puerto Rico', fr: 'Porto Rico' },
  GU: { en: 'Guam' },
  VI: { en: 'U.S. Virgin Islands', es: 'Islas Vírgenes de EE. UU.', fr: 'Îles Vierges des États-Unis' },
};

/**
 * Region codes Intl knows that are not countries today: groupings, codes ISO 3166 withdrew (transitionally reserved:
 * the Soviet Union, Yugoslavia, East Germany, Zaire…) and codes exceptionally reserved for other uses (Ascension,
 * Ceuta and Melilla, `UK`…), which ISO lists under a current country's code.
 */
const NOT_COUNTRIES = new Set([
  'EU',
  'EZ',
  'UN',
  'QO',
  'ZZ',
  'XA',
  'XB',
  'AN',
  'BU',
  'CS',
  'DD',
  'DY',
  'FX',
  'HV',
  'NH',
  'RH',
  'SU',
  'TP',
  'VD',
  'YD',
  'YU',
  'ZR',
  'AC',
  'CP',
  'CQ',
  'DG',
  'EA',
  'IC',
  'TA',
  'UK',
]);
const regionNames = new Map<string, Intl.DisplayNames>();

function displayNames(locale: string): Intl.DisplayNames {
  let names = regionNames.get(locale);
  if (!names) regionNames.set(locale, (names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' })));
  return names;
}

export function isUsState(code: string): boolean {
  return /^US-[A-Z]{2}$/.test(code) && code.slice(3) in US_STATES;
}

/** A country other than the United States (whose patients are identified by state). */
export function isCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && code !== 'US' && !NOT_COUNTRIES.has(code) && displayNames('en').of(code) !== undefined;
}

export function isJurisdiction(code: string): boolean {
  return isUsState(code) || isCountry(code);
}

/** `US-NY` -> "New York" / "Nueva York"; `US-CA` -> "Californie" (fr, fr-CA); `MX` -> "Mexico" / "México". */
export function jurisdictionName(code: string, locale = 'en'): string {
  if (code.startsWith('US-')) {
    const state = US_STATES[code.slice(3)];
    if (!state) return code;
    const language = locale.split('-')[0];
    return (language === 'es' ? state.es : language === 'fr' ? state.fr : undefined) ?? state.en;
  }
  return displayNames(locale).of(code) ?? code;
}

/** Sorted by their name in `locale`. */
export function sortJurisdictions(codes: Iterable<string>, locale = 'en'): string[] {
  return [...new Set(codes)].sort((a, b) => jurisdictionName(a, locale).localeCompare(jurisdictionName(b, locale), locale));
}

/** "Illinois, Indiana and Wisconsin" / "Illinois, Indiana y Wisconsin". */
export function listJurisdictions(codes: Iterable<string>, locale = 'en'): string {
  const names = sortJurisdictions(codes, locale).map((c) => jurisdictionName(c, locale));
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
}
