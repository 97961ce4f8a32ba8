import { DemoProvider, Payment, PAYMENT_PROVIDER, PaymentEvents, PaymentsService } from '@consilium/billing';
import {
  Case,
  CaseAssignments,
  CasePayments,
  CasePipeline,
  CaseReview,
  CaseState,
  CONSENT_KINDS,
  FollowUps,
  LocalPhysician,
} from '@consilium/cases';
import { Clock, ConsiliumStore, ContextActor, TenantDatabase, Translator } from '@consilium/core';
import { CatalogReader } from '@consilium/catalog';
import { choiceOf, consentDocument, IntakeDetails, IntakeDrafts, IntakePlanner } from '@consilium/intake';
import { OpinionDelivery, OpinionDraftInput, OpinionEditor } from '@consilium/opinions';
import { ResolvedTenant, TenantResolver } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { freshCode } from './staff-sign-in';
import type { TestHospital, TestPerson } from './tenants';

/** The states a case reaches through the product. */
export type TestCaseState = CaseState;

export interface TestCaseOptions {
  /** Where the case stops. Default `submitted`. */
  state?: TestCaseState;
  /** The patient; default the hospital's. */
  patient?: TestPerson;
  /** The offering's slug; default the hospital's test offering. */
  offering?: string;
  addOns?: string[];
  /** The language the patient reads the intake in (the translation add-on is offered only in another); default `en`. */
  locale?: string;
  /** The physician the patient came from (their slug), asked for by name. */
  requestedPhysician?: string;
  /** Where the patient lives; default the hospital's home state (a direct opinion). */
  jurisdiction?: string;
  /** The patient's own words; defaults are short and clearly synthetic. */
  details?: Partial<IntakeDetails>;
  /** Named on a physician-to-physician route. */
  localPhysician?: LocalPhysician;
  /** The staff physician (linked to a roster physician) the coordinator assigns; default the hospital's. */
  physician?: TestPerson;
  /** What the physician writes; a complete opinion by default. */
  opinion?: OpinionDraftInput;
  /** When the opinion is delivered, by the app's Clock (its check-ins fall due from then); default now. */
  deliveredAt?: Date;
}

export interface TestCase {
  id: string;
  number: string;
  state: TestCaseState;
  /** The opinion's payment, once the patient has paid. */
  paymentId?: string;
  /** Once signed. */
  opinionId?: string;
}

const HOME = 'US-NY';

/** What a complete opinion says: every field the editor asks before signing. */
export const COMPLETE_OPINION: OpinionDraftInput = {
  diagnosisAgreement: 'confirmed',
  treatmentChanged: 'no',
  diagnosisNote: 'The diagnosis holds.',
  recommendations: 'Go ahead with the proposed treatment.',
  alternatives: 'None better.',
  clinicalTrials: 'None open.',
  answers: ['Yes.'],
  patientSummary: 'Your diagnosis is confirmed and the plan is sound.',
};

/**
 * Runs `work` as `actor` on a request of `hospital` (the request context a signed-in person's request has), so the
 * services see the same tenant and actor they see from a page.
 */
export async function actAs<T>(
  app: INestApplicationContext,
  hospital: { id: string },
  actor: ContextActor,
  work: () => Promise<T>,
): Promise<T> {
  const tenant = await app.get(TenantResolver).byId(hospital.id);
  if (!tenant) throw new Error(`no tenant ${hospital.id}`);
  const cls = app.get<ClsService<ConsiliumStore>>(ClsService);
  return cls.run(() => {
    cls.set('tenant', tenant);
    cls.set('actor', actor);
    cls.set('locale', 'en');
    return work();
  });
}

export const asPatient = (person: TestPerson): ContextActor => ({ id: person.id, kind: 'patient', roles: [] });
export const asStaff = (person: TestPerson, role: 'admin' | 'coordinator' | 'physician'): ContextActor => ({
  id: person.id,
  kind: 'staff',
  roles: [role],
  mfaVerified: true,
});

/** Options that matter once the case exists (who acts on it, what the physician writes, when it is delivered). */
export type AdvanceOptions = Pick<TestCaseOptions, 'patient' | 'physician' | 'opinion' | 'deliveredAt' | 'details' | 'locale'>;

/** The main road of the pipeline, and the side roads: a state off the road is one move from the state it leaves. */
const MAIN: TestCaseState[] = ['draft', 'submitted', 'triage', 'accepted', 'assigned', 'in_review', 'opinion_signed', 'delivered'];
const SIDE: Partial<Record<TestCaseState, TestCaseState>> = {
  cancelled: 'submitted',
  awaiting_records: 'triage',
  declined: 'triage',
  refunded: 'accepted',
  follow_up: 'delivered',
  closed: 'delivered',
};

/**
 * A case in `state`, made the way the product makes it: the patient's intake (plan, draft, details, consents, the
 * quote accepted and paid on the demo checkout), then the coordinator's triage and assignment, the physician's
 * acceptance, opinion and signature, delivery, and the patient's follow-up question. A test can therefore never
 * pass on a state the product does not make. Needs an app with the pipeline's libs (`createTestApp(..., { domains:
 * true })`) and the demo payment provider.
 */
export async function createTestCase(
  app: INestApplicationContext,
  hospital: TestHospital,
  options: TestCaseOptions = {},
): Promise<TestCase> {
  const patient = asPatient(options.patient ?? hospital.people.patient);
  const c = await actAs(app, hospital, patient, async () => {
    const tenant = await resolved(app, hospital);
    const plan = await app.get(IntakePlanner).plan(
      tenant,
      {
        offering: options.offering ?? hospital.offeringSlug,
        addOns: options.addOns ?? [],
        jurisdiction: options.jurisdiction ?? HOME,
        physician: options.requestedPhysician,
      },
      options.locale ?? 'en',
    );
    const drafts = app.get(IntakeDrafts);
    const draft = await drafts.start(plan, undefined);
    await drafts.saveDetails(draft.id, {
      diagnosis: 'Synthetic diagnosis for a test',
      proposedTreatment: null,
      answers: {},
      ...options.details,
      questions: questionsOf(options),
    });
    // The patient's own physician: asked on a physician-to-physician route, and kept whenever the patient names one.
    if (options.localPhysician || plan.decision.route === 'physician_to_physician')
      await drafts.saveLocalPhysician(draft.id, options.localPhysician ?? { name: 'Dr. Local Test', email: 'local.physician@example.org' });
    await drafts.giveConsents(
      draft.id,
      CONSENT_KINDS.map((kind) =>
        consentDocument(kind, 'en', { hospital: tenant.name, jurisdiction: draft.jurisdiction }, app.get(Translator)),
      ),
      new Set(CONSENT_KINDS),
    );
    return draft;
  });
  return advanceTestCase(app, hospital, { id: c.id, number: c.number, state: 'draft' }, options.state ?? 'submitted', options);
}

/**
 * Takes a case the suite already has on to `state`, by the same steps as createTestCase (a patient's upload while
 * it is submitted, then the physician's review of it, for instance). Only forward along the pipeline.
 */
export async function advanceTestCase(
  app: INestApplicationContext,
  hospital: TestHospital,
  from: TestCase,
  state: TestCaseState,
  options: AdvanceOptions = {},
): Promise<TestCase> {
  const patient = asPatient(options.patient ?? hospital.people.patient);
  const coordinator = asStaff(hospital.people.coordinator, 'coordinator');
  const physicianPerson = options.physician ?? hospital.people.physician;
  const physician = asStaff(physicianPerson, 'physician');
  const review = () => app.get(CaseReview);
  const made: TestCase = { ...from };
  const id = from.id;

  const steps: Record<TestCaseState, () => Promise<void>> = {
    draft: () => Promise.resolve(),
    // The patient accepts the price and pays on the demo checkout (what its "Authorize" button sends).
    submitted: async () => {
      made.paymentId = await actAs(app, hospital, patient, async () => {
        const tenant = await resolved(app, hospital);
        const c = await app.get(TenantDatabase).transaction((tx) => tx.findOneByOrFail(Case, { id }));
        const plan = await app
          .get(IntakePlanner)
          .plan(tenant, { ...choiceOf(c, await app.get(CatalogReader).snapshot(tenant.id)), physician: undefined }, options.locale ?? 'en');
        await app.get(IntakeDrafts).submit(id, plan.quote);
        const payment = await app.get(TenantDatabase).transaction((tx) => tx.findOneByOrFail(Payment, { caseId: id, purpose: 'opinion' }));
        const provider = app.get<unknown>(PAYMENT_PROVIDER);
        if (payment.status === 'pending') {
          if (!(provider instanceof DemoProvider)) throw new Error('createTestCase pays through the demo provider only');
          for (const event of provider.authorizationEvents(payment)) await app.get(PaymentEvents).process(event);
        }
        return payment.id;
      });
    },
    // The portal's "Cancel my request": the move, and the card authorization released.
    cancelled: () =>
      actAs(app, hospital, patient, () =>
        app.get(TenantDatabase).transaction(async (tx) => {
          await app.get(CasePipeline).move(tx, id, 'cancel', 'patient');
          await app.get(CasePayments).release(tx, id, 'cancelled');
        }),
      ),
    triage: () => actAs(app, hospital, coordinator, () => review().move(id, 'start_triage')).then(() => undefined),
    awaiting_records: () =>
      actAs(app, hospital, coordinator, () => review().move(id, 'request_records', 'The CT report, please.')).then(() => undefined),
    declined: () =>
      actAs(app, hospital, coordinator, () => review().move(id, 'decline', 'Outside what this program reviews.')).then(() => undefined),
    accepted: () => actAs(app, hospital, coordinator, () => review().move(id, 'accept')).then(() => undefined),
    refunded: () =>
      actAs(app, hospital, asStaff(hospital.people.admin, 'admin'), () =>
        app.get(PaymentsService).refund(id, undefined, 'Refunded for a test.'),
      ).then(() => undefined),
    // The coordinator assigns the physician, from the suggestions the console shows.
    assigned: () =>
      actAs(app, hospital, coordinator, async () => {
        const assignments = app.get(CaseAssignments);
        const { suggestions } = await assignments.overview(id);
        const chosen = suggestions.find((s) => s.accountId === physicianPerson.id);
        if (!chosen?.eligible) throw new Error(`${physicianPerson.email} cannot take the case: ${JSON.stringify(chosen ?? suggestions)}`);
        await assignments.assign(id, chosen.physicianId);
      }),
    in_review: () => actAs(app, hospital, physician, () => app.get(CaseAssignments).accept(id)),
    // The physician writes and signs (the second factor asked again).
    opinion_signed: async () => {
      const signed = await actAs(app, hospital, physician, async () => {
        const editor = app.get(OpinionEditor);
        const c = await app.get(TenantDatabase).transaction((tx) => tx.findOneByOrFail(Case, { id }));
        await editor.saveDraft(id, options.opinion ?? { ...COMPLETE_OPINION, answers: c.questions.map(() => 'Yes.') });
        return editor.sign(id, await freshCode(physicianPerson.email, undefined, app));
      });
      made.opinionId = signed.opinion.id;
    },
    // What the console does at once after the signature.
    delivered: () =>
      atTime(app, options.deliveredAt, () =>
        actAs(app, hospital, physician, async () => {
          const { delivered } = await app.get(OpinionDelivery).deliver(await resolved(app, hospital), made.opinionId!);
          if (!delivered) throw new Error('the opinion was not delivered');
        }),
      ),
    follow_up: () => actAs(app, hospital, patient, () => app.get(FollowUps).ask(id, 'Should I repeat the scan?')),
    // The table's `close` move, as the platform makes it (nothing in the consoles closes a case yet).
    closed: () =>
      actAs(app, hospital, coordinator, () =>
        app.get(TenantDatabase).transaction((tx) => app.get(CasePipeline).move(tx, id, 'close', 'system')),
      ).then(() => undefined),
  };

  const road = SIDE[state] ?? state;
  if (!MAIN.includes(made.state)) throw new Error(`a ${made.state} case goes no further`);
  if (MAIN.indexOf(road) < MAIN.indexOf(made.state)) throw new Error(`a ${made.state} case cannot go back to ${state}`);
  for (const next of MAIN.slice(MAIN.indexOf(made.state) + 1, MAIN.indexOf(road) + 1)) {
    await steps[next]();
    made.state = next;
  }
  if (SIDE[state]) {
    await steps[state]();
    made.state = state;
  }
  return made;
}

function questionsOf(options: TestCaseOptions): string[] {
  return options.details?.questions ?? ['Is the proposed treatment right for me?'];
}

/** The case as stored, read in its hospital's transaction. */
export function readCase(app: INestApplicationContext, hospital: { id: string }, caseId: string): Promise<Case> {
  return app.get(TenantDatabase).forTenant(hospital.id, (tx) => tx.findOneByOrFail(Case, { id: caseId }));
}

/** Runs `work` with the app's Clock at `at` (left as it was, a test's own mock included, afterwards). */
async function atTime<T>(app: INestApplicationContext, at: Date | undefined, work: () => Promise<T>): Promise<T> {
  if (!at) return work();
  const clock = app.get(Clock);
  const previous = clock.now.bind(clock);
  clock.now = () => new Date(at);
  try {
    return await work();
  } finally {
    clock.now = previous;
  }
}

export async function resolved(app: INestApplicationContext, hospital: { id: string }): Promise<ResolvedTenant> {
  const tenant = await app.get(TenantResolver).byId(hospital.id);
  if (!tenant) throw new Error(`no tenant ${hospital.id}`);
  return tenant;
}
