import { Injectable, Optional } from '@nestjs/common';
import { affected, InvalidInput, msg, one, rows, TenantDatabase } from '@consilium/core';
import { Case } from './case.entity';
import { CaseAccess } from './case-access';
import { CaseConsents, ConsentGiven } from './case-consents.service';
import { CasePayments } from './case-payments';
import { CaseSubject, CaseSubjects } from './case-subjects.service';
import { CasePipeline } from './case-pipeline.service';
import { CaseAssignments } from './assignment/case-assignments.service';
import { CasesError } from './cases-error';
import { CaseMilestones } from './milestones/case-milestones';
import { ASKED_UPLOAD_STATES } from './case-record-access';
import type { LicensureRoute } from './licensure-router';

export interface StaffTimelineEntry {
  at: Date;
  type: string;
  fromState: string | null;
  toState: string | null;
  actorKind: string;
  actorName: string | null;
  data: Record<string, unknown>;
}

export interface RecordRequestTask {
  id: string;
  providerName: string;
  providerContact: string;
  recordsDescribed: string;
  status: string;
  signedAt: Date;
}

const OVERRIDABLE: LicensureRoute[] = ['direct', 'physician_to_physician', 'educational', 'declined'];

/**
 * What a coordinator needs on one case, and the triage decisions they take on it. Every decision is a move of the
 * state machine or an event, in one transaction.
 */
@Injectable()
export class CaseReview {
  constructor(
    private readonly db: TenantDatabase,
    private readonly access: CaseAccess,
    private readonly pipeline: CasePipeline,
    private readonly milestones: CaseMilestones,
    private readonly consentRows: CaseConsents,
    private readonly subjects: CaseSubjects,
    private readonly assignments: CaseAssignments,
    // Optional only so the pipeline's own suites can run without billing; the platform always binds it.
    @Optional() private readonly payments?: CasePayments,
  ) {}

  view(caseId: string): Promise<{
    case: Case;
    timeline: StaffTimelineEntry[];
    recordRequests: RecordRequestTask[];
    patient: { name: string; email: string };
    subject: CaseSubject | null;
    /** The offering's name in each language the hospital wrote it in (the catalog's row, read), or null. */
    offeringName: Record<string, string> | null;
  }> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const timeline = await rows<StaffTimelineEntry>(
        tx,
        `SELECT e.occurred_at AS "at", e.type, e.from_state AS "fromState", e.to_state AS "toState", e.actor_kind AS "actorKind",
                a.name AS "actorName", e.data
           FROM case_events e LEFT JOIN accounts a ON a.tenant_id = e.tenant_id AND a.id = e.actor_id
          WHERE e.case_id = $1 ORDER BY e.seq`,
        [c.id],
      );
      const recordRequests = await rows<RecordRequestTask>(
        tx,
        `SELECT id, provider_name AS "providerName", provider_contact AS "providerContact", records_described AS "recordsDescribed",
                status, signed_at AS "signedAt" FROM record_requests WHERE case_id = $1 ORDER BY signed_at`,
        [c.id],
      );
      const patient = await one<{ name: string; email: string }>(tx, 'SELECT name, email FROM accounts WHERE id = $1', [c.patientId]);
      const offering = c.offeringId
        ? await rows<{ name: Record<string, string> }>(tx, 'SELECT name FROM offerings WHERE tenant_id = $1 AND id = $2', [
            c.tenantId,
            c.offeringId,
          ])
        : [];
      const subject = await this.subjects.of(tx, c);
      return { case: c, timeline, recordRequests, patient, subject, offeringName: offering[0]?.name ?? null };
    });
  }

  /** The consents the patient gave on a case the actor may see (exports list them; the audit log keeps each one). */
  consents(caseId: string): Promise<ConsentGiven[]> {
    return this.db.transaction(async (tx) => this.consentRows.list(tx, (await this.access.caseFor(tx, caseId)).id));
  }

  async move(
    caseId: string,
    move: 'start_triage' | 'request_records' | 'decline' | 'records_received' | 'accept',
    reason?: string,
  ): Promise<Case> {
    if (move === 'accept') {
      // Accepting charges the card and promises an opinion: refused while nobody on the roster could review it
      // (capacity aside, which a coordinator may override when assigning). The case page lists each one's reason.
      const open = await this.db.transaction(async (tx) => this.assignments.someoneCouldTake(tx, await this.access.caseFor(tx, caseId)));
      if (!open) throw new CasesError('no_physician_can_take');
    }
    if (move === 'accept' && this.payments) {
      // Before the acceptance's transaction: the card's hold is renewed (or the patient asked) whatever happens next.
      const c = await this.db.transaction((tx) => this.access.caseFor(tx, caseId));
      if (c.state === 'triage' && (await this.payments.renewIfLapsed(c.id)) === 'awaiting_confirmation') return c;
    }
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const moved = await this.pipeline.move(tx, c.id, move, 'coordinator', { reason });
      // The card is charged only when the hospital accepts; a declined case costs nothing.
      if (move === 'accept') await this.payments?.capture(tx, c.id);
      if (move === 'decline') await this.payments?.release(tx, c.id, 'declined');
      return moved;
    });
  }

  /**
   * After acceptance the pipeline has no state for missing records: asking is an event, shown on the patient's
   * timeline, and it lets the patient upload again until the opinion is signed (CaseRecordAccess).
   */
  askForRecords(caseId: string, reason: string): Promise<void> {
    if (!reason.trim()) throw new InvalidInput({ reason: msg('cases.form.sayWhatIsMissing') });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      if (!ASKED_UPLOAD_STATES.includes(c.state)) {
        throw new InvalidInput({ reason: msg('cases.form.askRecordsWhen') });
      }
      await this.pipeline.record(tx, c, { type: 'records_asked', data: { reason: reason.trim().slice(0, 1000) } });
      const asked = await rows(tx, `SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'records_asked'`, [c.id]);
      const told = await this.milestones.reach(tx, c, 'records_requested', {}, `asked-${asked.length}`);
      if (told) await this.pipeline.record(tx, c, told, null);
    });
  }

  /** The queue's "ask for records": in triage the move that waits for them, after acceptance the ask above. */
  async requestRecords(caseId: string, reason: string): Promise<void> {
    const c = await this.db.transaction((tx) => this.access.caseFor(tx, caseId));
    if (c.state === 'triage') await this.move(caseId, 'request_records', reason);
    else await this.askForRecords(caseId, reason);
  }

  /** A coordinator may overrule the licensure route, with a reason kept on the case and in its history. */
  overrideRoute(caseId: string, route: string, reason: string, by: string): Promise<void> {
    if (!OVERRIDABLE.includes(route as LicensureRoute)) throw new InvalidInput({ route: msg('cases.form.chooseRoute') });
    if (!reason.trim()) throw new InvalidInput({ reason: msg('cases.form.sayWhyRoute') });
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const override = { route: route as LicensureRoute, reason: reason.trim(), by, at: new Date().toISOString() };
      await tx.update(Case, { tenantId: c.tenantId, id: c.id }, { routeOverride: override });
      await this.pipeline.record(tx, c, { type: 'route_overridden', data: { from: c.routeOverride?.route ?? c.route, to: route } });
    });
  }

  setRecordRequestStatus(caseId: string, requestId: string, status: 'sent' | 'received' | 'closed'): Promise<void> {
    return this.db.transaction(async (tx) => {
      const c = await this.access.caseFor(tx, caseId);
      const count = await affected(tx, 'UPDATE record_requests SET status = $3, status_changed_at = now() WHERE id = $1 AND case_id = $2', [
        requestId,
        c.id,
        status,
      ]);
      if (count !== 1) throw new InvalidInput({ status: msg('cases.form.notThisCase') });
      await this.pipeline.record(tx, c, { type: 'record_request_status', data: { recordRequestId: requestId, status } });
    });
  }
}
