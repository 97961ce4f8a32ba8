import { CASE_MOVES, CASE_STATES } from './case-state';
import { CaseFacts, MoveNotAllowed, planMove } from './state-machine';

const READY: Omit<CaseFacts, 'state'> = {
  consentsGiven: true,
  quoteAccepted: true,
  paymentAuthorized: true,
  routeAllowsOpinion: true,
  localPhysicianMissing: false,
  physicianAssigned: true,
  opinionSigned: true,
  followUpsRemaining: 1,
};

describe('case state machine', () => {
  // Every state x every move x the first actor allowed: allowed exactly where the table says, refused elsewhere.
  for (const state of CASE_STATES) {
    for (const move of CASE_MOVES) {
      const actor = move.by[0];
      const allowed = move.from.includes(state);
      it(`${state} --${move.name}--> ${allowed ? move.to : 'refused'}`, () => {
        const facts = { ...READY, state };
        if (allowed) expect(planMove(facts, move.name, actor, 'because').to).toBe(move.to);
        else {
          expect(() => planMove(facts, move.name, actor, 'because')).toThrow(MoveNotAllowed);
          expect(() => planMove(facts, move.name, actor, 'because')).toThrow(
            new RegExp(
              `A case that is ${state.replace(/_/g, ' ')} cannot be moved by "${move.name.replace(/_/g, ' ')}": it is only possible from`,
            ),
          );
        }
      });
    }
  }

  it('refuses a move by an actor the table does not name', () => {
    expect(() => planMove({ ...READY, state: 'triage' }, 'accept', 'patient')).toThrow('a patient may not make it');
    expect(() => planMove({ ...READY, state: 'in_review' }, 'sign_opinion', 'coordinator')).toThrow('a coordinator may not make it');
  });

  it('names every requirement that is not met', () => {
    const facts = { ...READY, state: 'draft' as const, consentsGiven: false, paymentAuthorized: false };
    expect(() => planMove(facts, 'submit', 'patient')).toThrow(
      'A case that is draft cannot be moved by "submit": the consents have not all been given; the payment has not been authorized.',
    );
    expect(() => planMove({ ...READY, state: 'triage' }, 'decline', 'coordinator', '  ')).toThrow('a reason is required');
    expect(() => planMove({ ...READY, state: 'delivered', followUpsRemaining: 0 }, 'ask_follow_up', 'patient')).toThrow(
      'no follow-up questions remain',
    );
    expect(() => planMove({ ...READY, state: 'draft', localPhysicianMissing: true }, 'submit', 'patient')).toThrow(
      'a local physician must be named',
    );
  });

  it('refuses an unknown move', () => {
    expect(() => planMove({ ...READY, state: 'draft' }, 'teleport', 'patient')).toThrow('there is no such move');
  });
});
