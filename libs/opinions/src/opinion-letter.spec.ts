import { msg } from '@consilium/core';
import { routeDisclaimer } from './opinion-letter';

describe('the letter’s disclaimer', () => {
  it('gives the emergency number of the country the patient lives in', () => {
    const direct = (jurisdiction: string | null) => routeDisclaimer('direct', 'Lakeshore', undefined, jurisdiction);
    expect(direct('US-IL')).toEqual(msg('opinions.opinion.disclaimer.direct', { hospital: 'Lakeshore', emergency: '911' }));
    expect(direct('GB')).toEqual(msg('opinions.opinion.disclaimer.direct', { hospital: 'Lakeshore', emergency: '999' }));
    expect(direct('DE')).toEqual(msg('opinions.opinion.disclaimer.direct', { hospital: 'Lakeshore', emergency: '112' }));
    expect(direct(null)).toEqual(msg('opinions.opinion.disclaimer.direct', { hospital: 'Lakeshore', emergency: '112' }));
  });
});
