import { Injectable, Optional } from '@nestjs/common';
import {
  Case,
  CaseAccess,
  CaseConsents,
  CasePayments,
  CaseSubject,
  CaseSubjects,
  CasePipeline,
  ConsentKind,
  LocalPhysician,
  Quote,
  requiredConsents,
} from '@consilium/cases';
import { declareErrors, FieldProblems, InvalidInput, msg, NotFound, RequestContext, TenantDatabase } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { EntityManager } from 'typeorm';
import { ConsentDocument, CURRENT_CONSENT_VERSIONS } from './consent-documents';
import type { IntakePlan } from './intake-planner';

/** The clinical part of a request: the patient's own words. Stored on the case only, never in events or logs. */
export interface IntakeDetails {
  questions: string[];
  diagnosis: string;
  proposedTreatment: string | null;
  answers: Record<string, string>;
}

export type IntakeStep = 'choice' | 'details' | 'physician' | 'consents' | 'review';

/** Where a draft stands: each step done or not, and the first one still to do. */
export interface IntakeProgress {
  needsLocalPhysician: boolean;
  done: Record<IntakeStep, boolean>;
  next: IntakeStep;
  missingConsents: ConsentKind[];
}

/** Intake's refusals: words at `intake.errors.<code>.message|hint`. */
export const IntakeError = declareErrors('intake', {
  draft_already_sent: 409,
  route_declined: 409,
});

/** The request was already sent: its page in the portal is where the patient follows it now. */
export class DraftAlreadySent extends IntakeError {
  constructor(caseId: string) {
    super('draft_already_sent', { redirectTo: `/account/cases/${caseId}` });
  }
}

/**
 * A route that gives no opinion cannot be sent; the plan page says why, in plain words. Given a draft's step, a
 * page sends the patient there (to choose again) instead of showing an error.
 */
export class RouteDeclined extends IntakeError {
  constructor(redirectTo?: string) {
    super('route_declined', { redirectTo });
  }
}

/**
 * A patient's request while they are still writing it: a `draft` case of their own, saved step by step (so it can
 * be left and resumed from the portal), then priced and handed to billing. Every method takes the case through
 * CaseAccess, so another patient's draft is a 404.
 */
@Injectable()
export class IntakeDrafts {
  constructor(
    private readonly db: TenantDatabase,
    private readonly context: RequestContext,
    private readonly pipeline: CasePipeline,
    private readonly access: CaseAccess,
    private readonly consents: CaseConsents,
    private readonly subjects: CaseSubjects,
    @Optional() private readonly payments?: CasePayments,
  ) {}

  /** Creates the draft from the first step's plan; the route and its reasons are stored as the patient saw them. */
  async start(plan: IntakePlan, visitorId: string | undefined): Promise<Case> {
    if (plan.decision.route === 'declined') throw new RouteDeclined();
    const tenant = this.context.tenant<ResolvedTenant>();
    const actor = this.patient();
    return this.db.transaction(async (tx) => {
      // The case, its first event and (last, so the tenant's counter is held for one statement) its number.
      const created = await this.pipeline.create(
        tx,
        {
          tenantId: tenant.id,
          state: 'draft',
          patientId: actor.id,
          questions: [],
          intakeAnswers: {},
          followUpsUsed: 0,
          visitorId: visitorId ?? null,
          ...planColumns(plan),
        },
        tenant.casePrefix,
        { type: 'draft_started', toState: 'draft', data: { offeringId: plan.offering.id, route: plan.decision.route } },
      );
      return tx.findOneByOrFail(Case, { tenantId: tenant.id, id: created.id });
    });
  }

  /** The patient's own draft; a sent request redirects to its portal page. */
  async draft(caseId: string): Promise<{ c: Case; progress: IntakeProgress }> {
    return this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      return { c, progress: await this.progress(tx, c) };
    });
  }

  /** The first step again, from the review: another offering or place re-routes and re-prices the draft. */
  async rechoose(caseId: string, plan: IntakePlan): Promise<void> {
    if (plan.decision.route === 'declined') throw new RouteDeclined(`/start/${caseId}/choice`);
    await this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      const changes = planColumns(plan);
      // The local physician stays named (it is the patient's answer) even when the new route no longer needs one.
      await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { ...changes, quoteAcceptedAt: null });
      if (c.route !== changes.route)
        await this.pipeline.record(tx, c, { type: 'route_changed', data: { from: c.route, to: changes.route } });
    });
  }

  /**
   * The questions, and who the request is for. A parent's or caregiver's proxy consent is stored like every consent,
   * with the version and hash of the text shown (`proxy` is that document, built by the caller in the reader's language).
   */
  async saveDetails(caseId: string, details: IntakeDetails, who?: { subject: CaseSubject; proxy?: ConsentDocument }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      if (who) {
        await this.subjects.save(tx, c.tenantId, c.id, who.subject);
        if (who.proxy)
          await this.consents.give(
            tx,
            c.tenantId,
            c.id,
            { kind: who.proxy.kind, version: who.proxy.version, textSha256: who.proxy.sha256, accountId: this.patient().id },
            this.context.ip() ?? null,
          );
      }
      await tx.update(
        Case,
        { tenantId: c.tenantId, id: c.id },
        {
          questions: details.questions,
          diagnosis: details.diagnosis,
          proposedTreatment: details.proposedTreatment,
          intakeAnswers: details.answers,
          quoteAcceptedAt: null,
        },
      );
    });
  }

  /** Who the request is for, as saved (null: not said yet, which reads as a request for oneself). */
  async subject(caseId: string): Promise<CaseSubject | null> {
    return this.db.transaction(async (tx) => this.subjects.of(tx, await this.ownDraft(tx, caseId)));
  }

  async saveLocalPhysician(caseId: string, physician: LocalPhysician): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { localPhysician: physician });
    });
  }

  /** Stores each consent with the version and hash of the text shown; the route decides which are needed. */
  async giveConsents(caseId: string, documents: ConsentDocument[], agreed: Set<ConsentKind>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      const needed = requiredConsents(effectiveRoute(c));
      const errors: FieldProblems = {};
      for (const kind of needed) if (!agreed.has(kind)) errors[`consent_${kind}`] = msg('intake.form.consentRequired');
      if (Object.keys(errors).length) throw new InvalidInput(errors);
      const actor = this.patient();
      for (const doc of documents.filter((d) => needed.includes(d.kind))) {
        await this.consents.give(
          tx,
          c.tenantId,
          c.id,
          { kind: doc.kind, version: doc.version, textSha256: doc.sha256, accountId: actor.id },
          this.context.ip() ?? null,
        );
      }
      await this.pipeline.record(tx, c, {
        type: 'consents_given',
        data: { kinds: needed, versions: Object.fromEntries(needed.map((k) => [k, CURRENT_CONSENT_VERSIONS[k]])) },
      });
    });
  }

  /**
   * The patient accepts the quote shown (recomputed by the caller, never taken from the form) and goes to pay. A
   * fully funded request needs no payment: billing authorizes it at once and the case is `submitted`.
   */
  async submit(caseId: string, quote: Quote, funding: { attested?: boolean; code?: string } = {}): Promise<{ redirectUrl: string }> {
    if (!this.payments) throw new Error('intake needs CasePayments bound by the app');
    const payments = this.payments;
    return this.db.transaction(async (tx) => {
      const c = await this.ownDraft(tx, caseId);
      const progress = await this.progress(tx, c);
      const unfinished = (['details', 'physician', 'consents'] as const).find((step) => !progress.done[step]);
      if (unfinished) throw new InvalidInput({ [unfinished]: msg(`intake.form.missing.${unfinished}`) });
      await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { quote, quoteAcceptedAt: new Date() });
      await this.pipeline.record(tx, c, {
        type: 'quote_accepted',
        data: {
          currency: quote.currency,
          subtotal: quote.subtotal,
          total: quote.total,
          fundingProgramId: quote.funding?.programId ?? null,
        },
      });
      return payments.startCheckout(tx, c.id, funding);
    });
  }

  private async ownDraft(tx: EntityManager, caseId: string): Promise<Case> {
    const actor = this.patient();
    const c = await this.access.caseFor(tx, caseId, actor);
    if (c.patientId !== actor.id) throw new NotFound();
    if (c.state !== 'draft') throw new DraftAlreadySent(c.id);
    return c;
  }

  private async progress(tx: EntityManager, c: Case): Promise<IntakeProgress> {
    const route = effectiveRoute(c);
    const needsLocalPhysician = route === 'physician_to_physician';
    const missingConsents = await this.consents.missing(tx, c.id, route, CURRENT_CONSENT_VERSIONS);
    const done: Record<IntakeStep, boolean> = {
      choice: !!c.offeringId && !!route && route !== 'declined',
      details: c.questions.length > 0 && !!c.diagnosis,
      physician: !needsLocalPhysician || !!c.localPhysician,
      consents: missingConsents.length === 0,
      review: !!c.quoteAcceptedAt,
    };
    const next = (['choice', 'details', 'physician', 'consents'] as const).find((s) => !done[s]) ?? 'review';
    return { needsLocalPhysician, done, next, missingConsents };
  }

  private patient() {
    const actor = this.context.actor();
    if (!actor || actor.kind !== 'patient') throw new NotFound();
    return actor;
  }
}

function effectiveRoute(c: Case) {
  return c.routeOverride?.route ?? c.route;
}

function planColumns(plan: IntakePlan) {
  return {
    offeringId: plan.offering.id,
    addOnIds: plan.addOnIds,
    translationLocale: plan.translationLocale ?? null,
    jurisdiction: plan.choice.jurisdiction,
    jurisdictionClass: plan.decision.jurisdictionClass,
    route: plan.decision.route,
    routeReasons: plan.decision.reasons,
    requestedPhysicianId: plan.requestedPhysicianId && plan.decision.requestedPhysician?.eligible ? plan.requestedPhysicianId : null,
    followUpsIncluded: plan.offering.followUpQuestions,
  };
}
