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
import { Clock, ConsiliumStore, ContextActor, TenantDatabase } from '@consilium/core';
import { consentDocument, IntakeDetails, IntakeDrafts, IntakePlanner } from '@consilium/intake';
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
const ORDER: TestCaseState[] = ['draft', 'submitted', 'triage', 'accepted', 'assigned', 'in_review', 'opinion_signed', 'delivered'];

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
  const state = options.state ?? 'submitted';
  const patient = asPatient(options.patient ?? hospital.people.patient);
  const coordinator = asStaff(hospital.people.coordinator, 'coordinator');
  const physicianPerson = options.physician ?? hospital.people.physician;
  const physician = asStaff(physicianPerson, 'physician');
  // follow_up and closed come after delivery.
  const reaches = (s: TestCaseState) =>
    ['follow_up', 'closed'].includes(state) || (ORDER.includes(state) && ORDER.indexOf(state) >= ORDER.indexOf(s));

  // The patient: plan, draft, answers, consents.
  const questions = options.details?.questions ?? ['Is the proposed treatment right for me?'];
  const { c, quote } = await actAs(app, hospital, patient, async () => {
    const tenant = await resolved(app, hospital);
    const plan = await app.get(IntakePlanner).plan(
      tenant,
      {
        offering: options.offering ?? hospital.offeringSlug,
        addOns: options.addOns ?? [],
        jurisdiction: options.jurisdiction ?? HOME,
        physician: options.requestedPhysician,
      },
      'en',
    );
    const drafts = app.get(IntakeDrafts);
    const draft = await drafts.start(plan, undefined);
    await drafts.saveDetails(draft.id, {
      diagnosis: 'Synthetic diagnosis for a test',
      proposedTreatment: null,
      answers: {},
      ...options.details,
      questions,
    });
    // The patient's own physician: asked on a physician-to-physician route, and kept whenever the patient names one.
    if (options.localPhysician || plan.decision.route === 'physician_to_physician')
      await drafts.saveLocalPhysician(draft.id, options.localPhysician ?? { name: 'Dr. Local Test', email: 'local.physician@example.org' });
    await drafts.giveConsents(
      draft.id,
      CONSENT_KINDS.map((kind) => consentDocument(kind, 'en', tenant.name)),
      new Set(CONSENT_KINDS),
    );
    return { c: draft, quote: plan.quote };
  });
  const made: TestCase = { id: c.id, number: c.number, state: 'draft' };
  if (state === 'draft') return made;

  // The patient accepts the price and pays on the demo checkout (what its "Authorize" button sends).
  made.paymentId = await actAs(app, hospital, patient, async () => {
    await app.get(IntakeDrafts).submit(c.id, quote);
    const payment = await app.get(TenantDatabase).transaction((tx) => tx.findOneByOrFail(Payment, { caseId: c.id, purpose: 'opinion' }));
    const provider = app.get<unknown>(PAYMENT_PROVIDER);
    if (payment.status === 'pending') {
      if (!(provider instanceof DemoProvider)) throw new Error('createTestCase pays through the demo provider only');
      for (const event of provider.authorizationEvents(payment)) await app.get(PaymentEvents).process(event);
    }
    return payment.id;
  });
  made.state = 'submitted';
  if (state === 'cancelled') {
    // The portal's "Cancel my request": the move, and the card authorization released.
    await actAs(app, hospital, patient, () =>
      app.get(TenantDatabase).transaction(async (tx) => {
        await app.get(CasePipeline).move(tx, c.id, 'cancel', 'patient');
        await app.get(CasePayments).release(tx, c.id, 'cancelled');
      }),
    );
    return { ...made, state };
  }
  if (state === 'submitted') return made;

  // The coordinator triages.
  const review = app.get(CaseReview);
  await actAs(app, hospital, coordinator, () => review.move(c.id, 'start_triage'));
  made.state = 'triage';
  if (state === 'awaiting_records') {
    await actAs(app, hospital, coordinator, () => review.move(c.id, 'request_records', 'The CT report, please.'));
    return { ...made, state };
  }
  if (state === 'declined') {
    await actAs(app, hospital, coordinator, () => review.move(c.id, 'decline', 'Outside what this program reviews.'));
    return { ...made, state };
  }
  if (state === 'triage') return made;
  await actAs(app, hospital, coordinator, () => review.move(c.id, 'accept'));
  made.state = 'accepted';
  if (state === 'refunded') {
    await actAs(app, hospital, asStaff(hospital.people.admin, 'admin'), () =>
      app.get(PaymentsService).refund(c.id, undefined, 'Refunded for a test.'),
    );
    return { ...made, state };
  }
  if (!reaches('assigned')) return made;

  // The coordinator assigns the physician the patient's case suits, from the suggestions.
  await actAs(app, hospital, coordinator, async () => {
    const assignments = app.get(CaseAssignments);
    const { suggestions } = await assignments.overview(c.id);
    const chosen = suggestions.find((s) => s.accountId === physicianPerson.id);
    if (!chosen?.eligible) throw new Error(`${physicianPerson.email} cannot take the case: ${JSON.stringify(chosen ?? suggestions)}`);
    await assignments.assign(c.id, chosen.physicianId);
  });
  made.state = 'assigned';
  if (!reaches('in_review')) return made;
  await actAs(app, hospital, physician, () => app.get(CaseAssignments).accept(c.id));
  made.state = 'in_review';
  if (!reaches('opinion_signed')) return made;

  // The physician writes and signs (the second factor asked again), and the console delivers at once.
  const signed = await actAs(app, hospital, physician, async () => {
    const editor = app.get(OpinionEditor);
    await editor.saveDraft(c.id, options.opinion ?? { ...COMPLETE_OPINION, answers: questions.map(() => 'Yes.') });
    return editor.sign(c.id, await freshCode(physicianPerson.email, undefined, app));
  });
  made.opinionId = signed.opinion.id;
  made.state = 'opinion_signed';
  if (!reaches('delivered')) return made;
  await atTime(app, options.deliveredAt, () =>
    actAs(app, hospital, physician, async () => {
      const { delivered } = await app.get(OpinionDelivery).deliver(await resolved(app, hospital), signed.opinion.id);
      if (!delivered) throw new Error('the opinion was not delivered');
    }),
  );
  made.state = 'delivered';
  if (state === 'follow_up') {
    await actAs(app, hospital, patient, () => app.get(FollowUps).ask(c.id, 'Should I repeat the scan?'));
    return { ...made, state };
  }
  if (state === 'closed') {
    // The table's `close` move, as the platform makes it (nothing in the consoles closes a case yet).
    await actAs(app, hospital, coordinator, () =>
      app.get(TenantDatabase).transaction((tx) => app.get(CasePipeline).move(tx, c.id, 'close', 'system')),
    );
    return { ...made, state };
  }
  return made;
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

async function resolved(app: INestApplicationContext, hospital: { id: string }): Promise<ResolvedTenant> {
  const tenant = await app.get(TenantResolver).byId(hospital.id);
  if (!tenant) throw new Error(`no tenant ${hospital.id}`);
  return tenant;
}
