import { routeDisclaimer } from './opinion-letter';

describe('the letter’s disclaimer', () => {
  it('gives the emergency number of the country the patient lives in', () => {
    expect(routeDisclaimer('direct', 'Lakeshore', undefined, 'US-IL')).toContain('in an emergency call 911.');
    expect(routeDisclaimer('direct', 'Lakeshore', undefined, 'GB')).toContain('in an emergency call 999.');
    expect(routeDisclaimer('direct', 'Lakeshore', undefined, 'DE')).toContain('in an emergency call 112.');
    expect(routeDisclaimer('direct', 'Lakeshore', undefined, null)).toContain('in an emergency call 112.');
  });
});
