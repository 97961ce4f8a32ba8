/**
 * Ranked assignment suggestions: one deterministic function of the case and the roster, no I/O. Eligible means
 * linked to a staff account, reviewing the case's specialty, accepting cases, under capacity and (on a direct route)
 * licensed today where the patient lives. Among the eligible, a physician the patient named comes first, then the
 * fewest open cases, then roster order. Every physician comes with the reasons, for the coordinator to read: what
 * blocks them first, then what speaks for them, and for the eligible why they stand where they do. Capacity is the
 * one blocker a coordinator may override (with a reason); licensure, specialty and the rest never.
 */

export interface RankingPhysician {
  id: string;
  name: string;
  accountId: string | null;
  specialtyIds: string[];
  licenses: { jurisdiction: string; expiresOn: string }[];
  acceptingNewCases: boolean;
  weeklyCapacity: number;
  /** Cases assigned to them now and not yet delivered. */
  openCases: number;
}

export interface RankingInput {
  specialtyId: string | null;
  jurisdiction: string | null;
  /** Only a direct opinion needs a license where the patient lives. */
  route: string | null;
  /** YYYY-MM-DD in the hospital's time zone. */
  today: string;
  requestedPhysicianId: string | null;
  /** Physicians who already had this case and gave it up (declined or missed a deadline). */
  excludedPhysicianIds?: string[];
  physicians: RankingPhysician[];
}

export interface Suggestion {
  physicianId: string;
  name: string;
  accountId: string | null;
  eligible: boolean;
  requested: boolean;
  openCases: number;
  weeklyCapacity: number;
  /** Codes for the words the console shows (views/i18n `assignment.reason.<code>`): blockers first. */
  reasons: string[];
  /** What keeps them from the case (a subset of `reasons`); empty when eligible. */
  blockers: string[];
  /** Only capacity stands in the way: a coordinator may assign anyway, saying why. */
  overridable: boolean;
  /** For an eligible physician, why they stand where they do (`assignment.rank.<code>`). */
  rank: 'requested' | 'fewest_open' | 'tied_roster_order' | 'only_eligible' | 'more_open' | 'later_in_roster' | null;
}

export function rankPhysicians(input: RankingInput): Suggestion[] {
  const all = input.physicians.map((p, position) => {
    const reasons: string[] = [];
    const blockers: string[] = [];
    const requested = p.id === input.requestedPhysicianId;
    if (!p.accountId) blockers.push('no_account');
    if (input.specialtyId) {
      if (p.specialtyIds.includes(input.specialtyId)) reasons.push('specialty');
      else blockers.push('other_specialty');
    }
    if (p.acceptingNewCases) reasons.push('accepting');
    else blockers.push('not_accepting');
    if (p.openCases < p.weeklyCapacity) reasons.push('under_capacity');
    else blockers.push('at_capacity');
    if (input.route === 'direct' && input.jurisdiction) {
      if (p.licenses.some((l) => l.jurisdiction === input.jurisdiction && l.expiresOn >= input.today)) reasons.push('licensed');
      else blockers.push(p.licenses.some((l) => l.jurisdiction === input.jurisdiction) ? 'license_expired' : 'not_licensed');
    }
    if (input.excludedPhysicianIds?.includes(p.id)) blockers.push('gave_up_case');
    if (requested) reasons.unshift(blockers.length ? 'requested_not_eligible' : 'requested');
    return {
      suggestion: {
        physicianId: p.id,
        name: p.name,
        accountId: p.accountId,
        eligible: !blockers.length,
        requested,
        openCases: p.openCases,
        weeklyCapacity: p.weeklyCapacity,
        reasons: [...(requested ? reasons.slice(0, 1) : []), ...blockers, ...(requested ? reasons.slice(1) : reasons)],
        blockers,
        overridable: blockers.length === 1 && blockers[0] === 'at_capacity',
        rank: null as Suggestion['rank'],
      },
      position,
    };
  });
  all.sort(
    (x, y) =>
      Number(y.suggestion.eligible) - Number(x.suggestion.eligible) ||
      Number(y.suggestion.eligible && y.suggestion.requested) - Number(x.suggestion.eligible && x.suggestion.requested) ||
      x.suggestion.openCases - y.suggestion.openCases ||
      x.position - y.position,
  );
  const ranked = all.map((a) => a.suggestion);
  const eligible = ranked.filter((s) => s.eligible);
  // The first says why it is ahead of the second; each other, why it is behind the one before it.
  eligible.forEach((s, i) => {
    const next = eligible[i + 1];
    const before = eligible[i - 1];
    if (i === 0)
      s.rank = !next ? 'only_eligible' : s.requested ? 'requested' : s.openCases < next.openCases ? 'fewest_open' : 'tied_roster_order';
    else s.rank = s.openCases > before.openCases ? 'more_open' : 'later_in_roster';
  });
  return ranked;
}
