import { Injectable } from '@nestjs/common';
import { Clock, FormPresenter, RefusedForm, RequestContext } from '@consilium/core';
import { ResolvedTenant } from '@consilium/tenancy';
import { CaseAssignments } from '../assignment/case-assignments.service';
import { eventWords, waitingForPayment } from '../case-events';
import { promiseShown } from '../promise/promise-clock';
import { CaseContributors } from '../assignment/case-contributors.service';
import { CaseMessages } from '../case-messages.service';
import { ASKED_UPLOAD_STATES } from '../case-record-access';
import { CaseRecords, uploadResultNotice } from '../case-records.service';
import { CaseReview } from '../case-review.service';
import { Conversions } from '../conversions.service';
import { StaffIntakeAnswers } from '../intake-answers';
import { subjectShown } from '../case-subjects.service';

/** The routes a coordinator may override to, in the order the form lists them. */
export const OVERRIDE_ROUTES = ['direct', 'physician_to_physician', 'educational', 'declined'] as const;

type NextAction = 'triage' | 'assign' | 'records' | 'review' | 'deliver' | 'none';

/** What the care team does next with a case in this state: the summary's last line (`cases.summary.nextAction.*`). */
export function nextActionOf(state: string, assigned: boolean): NextAction {
  if (state === 'submitted' || state === 'triage') return 'triage';
  if (state === 'awaiting_records') return 'records';
  if (state === 'accepted' && !assigned) return 'assign';
  if (state === 'assigned' || state === 'in_review') return 'review';
  if (state === 'opinion_signed') return 'deliver';
  return 'none';
}

/** Where on the page each next action is done. */
const NEXT_ANCHORS: Record<NextAction, string | null> = {
  triage: '#triage-title',
  assign: '#assignment',
  records: '#records',
  review: '#assignment',
  deliver: null,
  none: null,
};

/** Which form of the case page was refused, from where it was posted: its problems and values go to that form. */
const SECTIONS: [RegExp, string][] = [
  [/\/ask-records$/, 'ask'],
  [/\/move$/, 'triage'],
  [/\/route$/, 'route'],
  [/\/(assign|assign-over-capacity|contributors)$/, 'assignment'],
  [/\/messages$/, 'message'],
  [/\/conversions$/, 'conversion'],
];

/**
 * The coordinator's (or assigned physician's) page of a case: the request, the licensure route and its reasons
 * by key, triage, records, assignment, records requests, messages, conversions and the event history; and the same
 * page with one of its forms refused, that form's problems beside its fields.
 */
@Injectable()
export class ConsoleCasePage implements FormPresenter {
  constructor(
    private readonly review: CaseReview,
    private readonly messages: CaseMessages,
    private readonly conversions: Conversions,
    private readonly assignments: CaseAssignments,
    private readonly contributors: CaseContributors,
    private readonly records: CaseRecords,
    private readonly intakeAnswers: StaffIntakeAnswers,
    private readonly context: RequestContext,
    private readonly clock: Clock,
  ) {}

  show(id: string, query: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.model(id, { uploadNotice: uploadResultNotice(query) });
  }

  refused({ params, action, values, errors }: RefusedForm): Promise<Record<string, unknown>> {
    const section = SECTIONS.find(([pattern]) => pattern.test(action))?.[1] ?? 'triage';
    return this.model(params.id, { refused: section, [`${section}Errors`]: errors, [`${section}Values`]: values });
  }

  private async model(id: string, extra: Record<string, unknown>): Promise<Record<string, unknown>> {
    const view = await this.review.view(id);
    const c = view.case;
    const canTriage = this.context.actor()!.roles.some((r) => r === 'admin' || r === 'coordinator');
    const overview = canTriage ? await this.assignments.overview(id) : null;
    const contributions = canTriage ? await this.contributors.forCase(id) : [];
    const assignment = overview && {
      ...overview,
      past: overview.history.filter((a) => a.endedAt),
      contributions,
      someoneEligible: overview.suggestions.some((s) => s.eligible),
      // Anyone linked to an account, other than the assignee and those already asked, may be asked to contribute.
      contributorChoices: overview.suggestions.filter(
        (s) => s.accountId && s.accountId !== c.assignedPhysicianId && !contributions.some((k) => k.physicianId === s.physicianId),
      ),
    };
    const nextAction = nextActionOf(c.state, !!c.assignedPhysicianId);
    const locale = this.context.locale();
    const names = view.offeringName;
    return {
      title: { key: 'cases.console.caseTitle', values: { number: c.number } },
      nextAction,
      nextHref: canTriage ? NEXT_ANCHORS[nextAction] : null,
      offeringName: names ? (names[locale] ?? names[locale.split('-')[0]] ?? Object.values(names)[0]) : null,
      c,
      promise: promiseShown(c, this.clock.now()),
      route: c.routeOverride?.route ?? c.route,
      routeReasons: (c.routeReasons ?? []).map((r) => `cases.routeReason.${r.code}`),
      routes: OVERRIDE_ROUTES,
      patient: view.patient,
      subject: subjectShown(view.subject, this.context.tenant<ResolvedTenant>().timeZone, this.clock.now()),
      intakeAnswers: await this.intakeAnswers.of(c),
      timeline: view.timeline.map((e) => ({ ...e, ...eventWords(e) })),
      waitingForPayment: c.state === 'triage' ? waitingForPayment(view.timeline) : null,
      recordRequests: view.recordRequests,
      messages: await this.messages.list(id),
      conversions: await this.conversions.list(id),
      records: await this.records.page(id),
      canAskForRecords: ASKED_UPLOAD_STATES.includes(c.state),
      canTriage,
      assignment,
      canAssign: ['accepted', 'assigned', 'in_review'].includes(c.state),
      ...extra,
    };
  }
}
