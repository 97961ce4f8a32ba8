import { DEFAULT_EMERGENCY_NUMBER, emergencyNumber } from './emergency';

describe('emergencyNumber', () => {
  it.each([
    ['US', '911'],
    ['US-IL', '911'],
    ['CA', '911'],
    ['MX', '911'],
    ['FR', '112'],
    ['ES', '112'],
    ['de', '112'],
    ['GB', '999'],
    ['AU', '000'],
    ['NZ', '111'],
  ])('%s calls %s', (place, number) => {
    expect(emergencyNumber(place)).toBe(number);
  });

  it('falls back to the GSM emergency number where the country is unknown', () => {
    expect(DEFAULT_EMERGENCY_NUMBER).toBe('112');
    for (const place of [undefined, null, '', 'other', 'ZZ']) expect(emergencyNumber(place)).toBe('112');
  });
});
