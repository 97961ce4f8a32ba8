import { rankPhysicians, RankingPhysician } from './assignment-ranking';
import { addBusinessDays } from './business-days';

const doc = (id: string, extra: Partial<RankingPhysician> = {}): RankingPhysician => ({
  id,
  name: id,
  accountId: `acct-${id}`,
  specialtyIds: ['onc'],
  licenses: [{ jurisdiction: 'US-IL', expiresOn: '2030-01-01' }],
  acceptingNewCases: true,
  weeklyCapacity: 3,
  openCases: 0,
  ...extra,
});
const base = { specialtyId: 'onc', jurisdiction: 'US-IL', route: 'direct', today: '2026-11-27', requestedPhysicianId: null };

describe('assignment ranking', () => {
  it('puts the eligible first, fewest open cases first, then roster order', () => {
    const ranked = rankPhysicians({
      ...base,
      physicians: [
        doc('a', { openCases: 2 }),
        doc('b', { openCases: 1 }),
        doc('c', { openCases: 1 }),
        doc('d', { acceptingNewCases: false }),
      ],
    });
    expect(ranked.map((s) => [s.physicianId, s.eligible])).toEqual([
      ['b', true],
      ['c', true],
      ['a', true],
      ['d', false],
    ]);
    expect(ranked[0].reasons).toEqual(['specialty', 'accepting', 'under_capacity', 'licensed']);
    expect(ranked[3].reasons).toContain('not_accepting');
  });

  it('says why each ineligible physician cannot take the case', () => {
    const ranked = rankPhysicians({
      ...base,
      excludedPhysicianIds: ['gone'],
      physicians: [
        doc('full', { openCases: 3 }),
        doc('other', { specialtyIds: ['derm'] }),
        doc('expired', { licenses: [{ jurisdiction: 'US-IL', expiresOn: '2026-11-26' }] }),
        doc('elsewhere', { licenses: [{ jurisdiction: 'US-IN', expiresOn: '2030-01-01' }] }),
        doc('nobody', { accountId: null }),
        doc('gone'),
      ],
    });
    const why = Object.fromEntries(ranked.map((s) => [s.physicianId, s.reasons[0]]));
    expect(why).toEqual({
      full: 'at_capacity',
      other: 'other_specialty',
      expired: 'license_expired',
      elsewhere: 'not_licensed',
      nobody: 'no_account',
      gone: 'gave_up_case',
    });
    expect(ranked.every((s) => !s.eligible)).toBe(true);
    // Capacity alone may be overridden by a coordinator; licensure, specialty and the rest never.
    expect(ranked.filter((s) => s.overridable).map((s) => s.physicianId)).toEqual(['full']);
  });

  it('says why each eligible physician stands where they do', () => {
    const ranked = rankPhysicians({
      ...base,
      physicians: [doc('a', { openCases: 2 }), doc('b', { openCases: 1 }), doc('c', { openCases: 1 })],
    });
    expect(ranked.map((s) => [s.physicianId, s.rank])).toEqual([
      ['b', 'tied_roster_order'],
      ['c', 'later_in_roster'],
      ['a', 'more_open'],
    ]);
    expect(rankPhysicians({ ...base, physicians: [doc('a'), doc('x', { acceptingNewCases: false })] })[0].rank).toBe('only_eligible');
  });

  it('honours the named physician only when eligible; licenses matter only on a direct route', () => {
    expect(rankPhysicians({ ...base, requestedPhysicianId: 'b', physicians: [doc('a'), doc('b', { openCases: 2 })] })[0]).toMatchObject({
      physicianId: 'b',
      requested: true,
      reasons: expect.arrayContaining(['requested']),
    });
    const notEligible = rankPhysicians({
      ...base,
      requestedPhysicianId: 'b',
      physicians: [doc('a'), doc('b', { acceptingNewCases: false })],
    });
    expect(notEligible.map((s) => s.physicianId)).toEqual(['a', 'b']);
    expect(notEligible[1].reasons[0]).toBe('requested_not_eligible');
    expect(rankPhysicians({ ...base, route: 'educational', jurisdiction: 'MX', physicians: [doc('a')] })[0].eligible).toBe(true);
  });
});

describe('business days in the hospital’s time zone', () => {
  it('skips weekends and keeps the wall-clock time, across a DST change', () => {
    // Friday 10:00 in Chicago -> Monday 10:00.
    expect(addBusinessDays(new Date('2026-11-27T16:00:00Z'), 1, 'America/Chicago').toISOString()).toBe('2026-11-30T16:00:00.000Z');
    // Saturday counts from Monday: one business day is Monday.
    expect(addBusinessDays(new Date('2026-11-28T16:00:00Z'), 1, 'America/Chicago').toISOString()).toBe('2026-11-30T16:00:00.000Z');
    // Friday 30 Oct 2026 10:00 CDT + 5 business days = Friday 6 Nov 10:00 CST (an hour later in UTC).
    expect(addBusinessDays(new Date('2026-10-30T15:00:00Z'), 5, 'America/Chicago').toISOString()).toBe('2026-11-06T16:00:00.000Z');
    // 23:30 on a Friday in New York is Saturday in UTC: still Monday 23:30 New York.
    expect(addBusinessDays(new Date('2026-11-28T04:30:00Z'), 1, 'America/New_York').toISOString()).toBe('2026-12-01T04:30:00.000Z');
  });
});
