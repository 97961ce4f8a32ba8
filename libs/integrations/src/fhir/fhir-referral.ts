import type { ServiceRequest } from '@medplum/fhirtypes';
import type { ReferralState } from '@consilium/cases';

/** Our codes for an appointment request's reason and preferred times (URNs: no page pretends to define them). */
export const REFERRAL_SYSTEMS = {
  reason: 'urn:consilium:referral-reason',
  preferredTime: 'urn:consilium:referral-preferred-time',
} as const;

/** A task's state as a ServiceRequest status: open ones are active, a booking completes it, a refusal revokes it. */
const STATUS: Record<ReferralState, ServiceRequest['status']> = {
  requested: 'active',
  contacted: 'active',
  no_answer: 'on-hold',
  booked: 'completed',
  declined: 'revoked',
};

/**
 * The patient's appointment request as a FHIR R4 ServiceRequest (id `referral-<task id>`): a proposal by the patient,
 * based on the opinion's ServiceRequest (the case), with the reason and preferred times as codes. Nothing typed by
 * anyone is in it.
 */
export function referralServiceRequest(task: {
  id: string;
  caseId: string;
  patientId: string;
  reason: string;
  preferredTimes: string[];
  state: ReferralState;
  requestedAt: Date;
}): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id: `referral-${task.id}`,
    status: STATUS[task.state],
    intent: 'proposal',
    // SNOMED CT 11429006 "Consultation".
    code: { coding: [{ system: 'http://snomed.info/sct', code: '11429006', display: 'Consultation' }] },
    subject: { reference: `Patient/${task.patientId}` },
    requester: { reference: `Patient/${task.patientId}` },
    basedOn: [{ reference: `ServiceRequest/${task.caseId}` }],
    authoredOn: task.requestedAt.toISOString(),
    reasonCode: [{ coding: [{ system: REFERRAL_SYSTEMS.reason, code: task.reason }] }],
    orderDetail: task.preferredTimes.map((code) => ({ coding: [{ system: REFERRAL_SYSTEMS.preferredTime, code }] })),
  };
}
