import { Translator } from '@consilium/core';
import path from 'node:path';
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

const translator = new Translator();
translator.register('cases', path.join(__dirname, 'views', 'i18n'));

/** The refusal of a move: why (a code), and the words a reader gets in `locale`. */
function refusal(plan: () => unknown, locale = 'en'): { why: string; text: string } {
  try {
    plan();
  } catch (error) {
    if (!(error instanceof MoveNotAllowed)) throw error;
    return { why: error.why, text: translator.t(error.messageKey!, locale, error.values) };
  }
  throw new Error('the move was allowed');
}

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
          const refused = refusal(() => planMove(facts, move.name, actor, 'because'));
          expect(refused.why).toBe('wrong_state');
          expect(refused.text).toMatch(/^A case that is [a-z -]+ cannot be moved by "[a-z ]+": it is not possible from this state\.$/);
        }
      });
    }
  }

  it('refuses a move by an actor the table does not name', () => {
    expect(refusal(() => planMove({ ...READY, state: 'triage' }, 'accept', 'patient')).why).toBe('wrong_actor');
    expect(refusal(() => planMove({ ...READY, state: 'in_review' }, 'sign_opinion', 'coordinator')).why).toBe('wrong_actor');
  });

  it('names the requirement that is not met, in the reader’s language', () => {
    const facts = { ...READY, state: 'draft' as const, consentsGiven: false, paymentAuthorized: false };
    expect(refusal(() => planMove(facts, 'submit', 'patient')).text).toBe(
      'A case that is draft cannot be moved by "submit": the consents have not all been given.',
    );
    expect(refusal(() => planMove(facts, 'submit', 'patient'), 'fr').text).toBe(
      'Un dossier à l’état « brouillon » ne permet pas l’action « envoyer » : tous les consentements n’ont pas été donnés.',
    );
    expect(refusal(() => planMove({ ...READY, state: 'triage' }, 'decline', 'coordinator', '  ')).text).toContain('a reason is required');
    expect(refusal(() => planMove({ ...READY, state: 'delivered', followUpsRemaining: 0 }, 'ask_follow_up', 'patient')).text).toContain(
      'no follow-up questions remain',
    );
    expect(refusal(() => planMove({ ...READY, state: 'draft', localPhysicianMissing: true }, 'submit', 'patient')).why).toBe(
      'local_physician_named',
    );
  });

  it('refuses an unknown move', () => {
    expect(refusal(() => planMove({ ...READY, state: 'draft' }, 'teleport', 'patient')).text).toContain('there is no such move');
  });
});
