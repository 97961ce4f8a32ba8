import { isCountry, isJurisdiction, isUsState, jurisdictionName, listJurisdictions } from './jurisdictions';
import { priceRegionFor } from './licensure-policy';

describe('jurisdictions', () => {
  it('tells US states (US-XX) from countries, and refuses the rest', () => {
    expect(isUsState('US-IL')).toBe(true);
    expect(isUsState('US-XX')).toBe(false);
    expect(isCountry('IL')).toBe(true); // Israel: why states carry their US- prefix
    expect(isCountry('US')).toBe(false); // patients in the US are identified by state
    expect(isCountry('EU')).toBe(false);
    expect(isJurisdiction('Illinois')).toBe(false);
    expect(isJurisdiction('mx')).toBe(false);
  });

  it('names them in the reader language', () => {
    expect(jurisdictionName('US-NY', 'es')).toBe('Nueva York');
    expect(jurisdictionName('US-CA', 'fr-CA')).toBe('Californie');
    expect(jurisdictionName('US-NC', 'es-MX')).toBe('Carolina del Norte');
    expect(jurisdictionName('MX', 'es')).toBe('México');
    expect(jurisdictionName('US-NC', 'fr')).toBe('Caroline du Nord');
    expect(jurisdictionName('US-NC', 'fr-CA')).toBe('Caroline du Nord');
    expect(jurisdictionName('MX', 'fr')).toBe('Mexique');
    expect(listJurisdictions(['US-NM', 'US-CA'], 'fr')).toBe('Californie et Nouveau-Mexique');
    expect(listJurisdictions(['US-WI', 'US-IL', 'US-IN'], 'en')).toBe('Illinois, Indiana, and Wisconsin');
    expect(listJurisdictions(['US-NM', 'US-AZ'], 'es')).toBe('Arizona y Nuevo México');
  });
});

describe('price regions', () => {
  it('prices by region from the home state', () => {
    expect(priceRegionFor('US-IL', 'US-IL')).toBe('in_state');
    expect(priceRegionFor('US-WI', 'US-IL')).toBe('out_of_state');
    expect(priceRegionFor('CA', 'US-IL')).toBe('international');
    expect(priceRegionFor('US-IL', undefined)).toBe('out_of_state');
  });
});
