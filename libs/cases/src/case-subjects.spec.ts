import { ageIn, ageOn } from './case-subjects.service';

describe('a patient’s age', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('2018-12-08', '2026-12-07')).toBe(7);
    expect(ageOn('2018-12-08', '2026-12-08')).toBe(8);
    expect(ageOn('2016-02-29', '2026-02-28')).toBe(9);
    expect(ageOn('2016-02-29', '2026-03-01')).toBe(10);
  });

  it('turns on the hospital’s midnight, not UTC’s', () => {
    // 03:00 UTC on 8 December is still the evening of the 7th in Chicago, already the 8th in Paris.
    const now = new Date('2026-12-08T03:00:00Z');
    expect(ageIn('2018-12-08', 'America/Chicago', now)).toBe(7);
    expect(ageIn('2018-12-08', 'Europe/Paris', now)).toBe(8);
  });
});
