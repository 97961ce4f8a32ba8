import { RosterPhysician, routeCase, RoutingInput } from './licensure-router';

const physicians: RosterPhysician[] = [
  {
    id: 'ana',
    name: 'Dr. Ana Ruiz',
    specialtyIds: ['onc'],
    acceptingCases: true,
    licenses: [
      { jurisdiction: 'US-IL', expiresOn: '2027-06-30' },
      { jurisdiction: 'US-WI', expiresOn: '2026-11-26' },
    ],
  },
  {
    id: 'ben',
    name: 'Dr. Ben Okafor',
    specialtyIds: ['onc', 'card'],
    acceptingCases: true,
    licenses: [
      { jurisdiction: 'US-IL', expiresOn: '2028-01-31' },
      { jurisdiction: 'US-IN', expiresOn: '2026-11-27' },
    ],
  },
  {
    id: 'cy',
    name: 'Dr. Cy Tran',
    specialtyIds: ['card'],
    acceptingCases: false,
    licenses: [{ jurisdiction: 'US-CA', expiresOn: '2029-01-01' }],
  },
];

const base: RoutingInput = {
  jurisdiction: 'US-IL',
  homeJurisdiction: 'US-IL',
  specialtyId: 'onc',
  excludedJurisdictions: [],
  physicians,
  policy: { unlicensedState: 'physician_to_physician', international: 'educational' },
  today: '2026-11-27',
};

describe('licensure routing', () => {
  it('routes directly where a physician of the specialty is licensed, in state', () => {
    const d = routeCase(base);
    expect(d).toMatchObject({
      route: 'direct',
      jurisdictionClass: 'in_state',
      eligiblePhysicianIds: ['ana', 'ben'],
      needsLocalPhysician: false,
    });
    expect(d.reasons[0]).toEqual({ code: 'licensed', text: '2 physicians are licensed in Illinois: a direct opinion is possible.' });
  });

  it('counts a license valid through today, out of state', () => {
    const d = routeCase({ ...base, jurisdiction: 'US-IN' });
    expect(d).toMatchObject({ route: 'direct', jurisdictionClass: 'out_of_state', eligiblePhysicianIds: ['ben'] });
  });

  it('does not count a license that expired yesterday', () => {
    const d = routeCase({ ...base, jurisdiction: 'US-WI' });
    expect(d.route).toBe('physician_to_physician');
    expect(d.reasons.map((r) => r.code)).toEqual(['license_expired', 'unlicensed_state', 'policy_p2p']);
    expect(d.needsLocalPhysician).toBe(true);
  });

  it.each([
    ['physician_to_physician', 'physician_to_physician', ['ana', 'ben'], 'policy_p2p'],
    ['educational', 'educational', ['ana', 'ben'], 'policy_educational'],
    ['decline', 'declined', [], 'policy_decline'],
  ] as const)('an unlicensed state under the %s policy', (policy, route, eligible, code) => {
    const d = routeCase({ ...base, jurisdiction: 'US-TX', policy: { ...base.policy, unlicensedState: policy } });
    expect(d.route).toBe(route);
    expect(d.eligiblePhysicianIds).toEqual(eligible);
    expect(d.reasons.map((r) => r.code)).toEqual(['unlicensed_state', code]);
    expect(d.reasons[0].text).toBe('No physician in this specialty is licensed in Texas.');
  });

  it('applies the international policy outside the United States', () => {
    const d = routeCase({ ...base, jurisdiction: 'MX' });
    expect(d).toMatchObject({ route: 'educational', jurisdictionClass: 'international' });
    expect(d.reasons[0].text).toBe('The patient is outside the United States (Mexico).');
    expect(routeCase({ ...base, jurisdiction: 'MX', policy: { ...base.policy, international: 'decline' } }).route).toBe('declined');
  });

  it('declines a jurisdiction the offering excludes, before anything else', () => {
    const d = routeCase({ ...base, excludedJurisdictions: ['US-IL'] });
    expect(d).toMatchObject({
      route: 'declined',
      reasons: [{ code: 'jurisdiction_excluded', text: 'This service is not offered to patients in Illinois.' }],
    });
  });

  it('declines when nobody in the specialty accepts cases', () => {
    expect(routeCase({ ...base, specialtyId: 'derm' }).reasons).toEqual([
      { code: 'no_physician', text: 'No physician in this specialty is accepting new cases.' },
    ]);
  });

  it('honours a named physician when eligible, and says why not otherwise', () => {
    expect(routeCase({ ...base, requestedPhysicianId: 'ana' }).requestedPhysician).toEqual({
      id: 'ana',
      eligible: true,
      reason: undefined,
    });
    expect(routeCase({ ...base, jurisdiction: 'US-IN', requestedPhysicianId: 'ana' }).requestedPhysician).toEqual({
      id: 'ana',
      eligible: false,
      reason: 'Dr. Ana Ruiz is not licensed in Indiana; another specialist will be chosen.',
    });
    expect(routeCase({ ...base, specialtyId: 'card', jurisdiction: 'US-CA', requestedPhysicianId: 'cy' }).requestedPhysician?.reason).toBe(
      'Dr. Cy Tran is not accepting new cases; another specialist will be chosen.',
    );
  });

  it('is deterministic', () => {
    expect(routeCase({ ...base, jurisdiction: 'US-WI' })).toEqual(routeCase({ ...base, jurisdiction: 'US-WI' }));
  });
});
