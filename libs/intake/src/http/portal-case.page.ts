import { Injectable, Optional } from '@nestjs/common';
import {
  BEFORE_ACCEPTANCE,
  Case,
  CaseMessages,
  CasePayments,
  CaseRecords,
  CaseTimeline,
  CheckIns,
  FollowUps,
  promiseShown,
  uploadResultNotice,
} from '@consilium/cases';
import { Clock, FormPresenter, msg, RefusedForm, RequestContext } from '@consilium/core';
import { CaseFollowing, FollowingView } from '../case-following.service';
import { RecordRequests } from '../record-requests.service';

/** Which of the case page's forms was refused, from where it was posted: its problems show in that section. */
const SECTIONS: [RegExp, string][] = [
  [/\/messages$/, 'messages'],
  [/\/follow-ups$/, 'followUps'],
  [/\/check-ins\/[^/]+$/, 'checkIns'],
  [/\/followers$/, 'follow'],
];

/**
 * The patient's page of one request: where it stands, its timeline (events by key), records, records requests,
 * follow-ups, check-ins and messages; and the same page again with a refused message, question or check-in.
 */
@Injectable()
export class PortalCasePage implements FormPresenter {
  constructor(
    private readonly timeline: CaseTimeline,
    private readonly messages: CaseMessages,
    private readonly recordRequests: RecordRequests,
    private readonly followUps: FollowUps,
    private readonly checkIns: CheckIns,
    private readonly records: CaseRecords,
    private readonly context: RequestContext,
    private readonly clock: Clock,
    private readonly following: CaseFollowing,
    // Optional only so intake's own suites can run without billing; the platform always binds it.
    @Optional() private readonly payments?: CasePayments,
  ) {}

  /**
   * "Cancel this request?": what stops, and what the patient gets back (the amount held on the card, released), in
   * their language; or, past acceptance, that it can no longer be cancelled here.
   */
  async cancellation(id: string): Promise<Record<string, unknown>> {
    const { case: c } = await this.timeline.forPatient(id);
    const isPatient = this.context.actor()!.kind === 'patient';
    const terms = (await this.payments?.cancellationTerms(c.id)) ?? { currency: null, releasedMinor: 0, refundedMinor: 0 };
    return {
      title: msg('intake.portal.cancelTitle'),
      c: requestSummary(c),
      canCancel: BEFORE_ACCEPTANCE.includes(c.state) && isPatient,
      terms,
      givesBack: terms.releasedMinor > 0 || terms.refundedMinor > 0,
    };
  }

  /** The page, with what an upload just did (counts from the query, never names). */
  show(id: string, query: Record<string, unknown>): Promise<Record<string, unknown>> {
    const notice = uploadResultNotice(query);
    const patientSaved = query.patient === 'saved';
    const notices = { patientSaved, followInvited: query.invited === '1', requesterRemoved: query.removed === '1' };
    return this.model(
      id,
      notice
        ? {
            ...notices,
            uploadNotice: {
              ...notice,
              ok: !notice.rejected && !notice.stoppedBy && notice.kept > 0,
              nothing: !notice.kept && !notice.rejected && !notice.stoppedBy,
            },
          }
        : notices,
    );
  }

  refused({ params, action, values }: RefusedForm): Promise<Record<string, unknown>> {
    const section = SECTIONS.find(([pattern]) => pattern.test(action))?.[1];
    return this.model(params.id, { refused: section, values });
  }

  async model(id: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const { case: c, entries, waitingForPayment } = await this.timeline.forPatient(id);
    const isPatient = this.context.actor()!.kind === 'patient';
    const checkIns = (await this.checkIns.list(id)).filter((ci) => ci.open);
    return {
      title: msg('intake.portal.caseTitle', { number: c.number }),
      c: requestSummary(c, this.clock.now()),
      entries,
      messages: await this.messages.list(id),
      recordRequests: await this.recordRequests.list(id),
      records: await this.records.page(id),
      isPatient,
      followUps: await this.followUps.list(id),
      checkIns: isPatient ? checkIns : [],
      followUpsLeft: c.followUpsIncluded - c.followUpsUsed,
      canAskFollowUp: c.state === 'delivered' && c.followUpsIncluded > c.followUpsUsed && isPatient,
      canCancel: BEFORE_ACCEPTANCE.includes(c.state) && isPatient,
      waitingForPayment: isPatient && !!waitingForPayment,
      values: {},
      patient: isPatient ? subjectSummary(await this.following.view(id)) : null,
      ...extra,
    };
  }
}

/**
 * What the portal shows of a case: no clinical content on the list, just where it stands and what is promised by
 * when ("triage by", then "opinion by", paused while records are awaited, or late with the new date).
 */
export function requestSummary(c: Case, now = new Date()) {
  return {
    promise: promiseShown(c, now),
    id: c.id,
    number: c.number,
    state: c.state,
    stateKey: `intake.state.${c.state}`,
    createdAt: c.createdAt,
    dueAt: c.dueAt,
    submittedAt: c.submittedAt,
    deliveredAt: c.deliveredAt,
    isDraft: c.state === 'draft',
  };
}

/**
 * Who the request is for, on the case page of the requester or of the patient who follows it: the name given (or
 * "Me"), what is missing, who follows it, and what each of them may do (invite the adult patient, remove the requester).
 */
function subjectSummary(v: FollowingView) {
  const s = v.subject;
  return {
    isRequester: v.isRequester,
    isFollower: v.isFollower,
    requesterName: v.requesterName,
    followers: v.followers,
    canInvite: v.canInvite && v.isRequester,
    proxy: !!s && s.forWhom !== 'self',
    patientName: s?.patientName ?? null,
    forWhomKey: `intake.subject.forWhom.${s?.forWhom ?? 'self'}`,
    relationshipKey: s?.relationship ? `intake.subject.relationship.${s.relationship}` : null,
    birthDate: s?.birthDate ?? null,
    sexKey: s?.sexAtBirth ? `intake.subject.sex.${s.sexAtBirth}` : null,
  };
}
