import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { CaseState } from './case-state';
import type { JurisdictionClass, LicensureRoute, RoutingReason } from './licensure-router';

export interface LocalPhysician {
  name: string;
  email: string;
  phone?: string;
  npi?: string;
}

export interface QuoteLine {
  label: string;
  amount: number;
}

/** The full price shown before payment: every line, funding applied, what the patient pays. Minor units. */
export interface Quote {
  currency: string;
  lines: QuoteLine[];
  subtotal: number;
  funding?: { programId: string; name: string; amount: number };
  total: number;
}

@Entity('cases')
export class Case {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  number: string;

  @Column({ type: 'text' })
  state: CaseState;

  @Column({ name: 'patient_id', type: 'uuid' })
  patientId: string;

  @Column({ name: 'offering_id', type: 'uuid', nullable: true })
  offeringId: string | null;

  @Column({ name: 'add_on_ids', type: 'uuid', array: true })
  addOnIds: string[];

  /** With the translation add-on: the language the patient asked for it in (their intake's), e.g. `es`. */
  @Column({ name: 'translation_locale', type: 'text', nullable: true })
  translationLocale: string | null;

  @Column({ type: 'text', nullable: true })
  jurisdiction: string | null;

  @Column({ name: 'jurisdiction_class', type: 'text', nullable: true })
  jurisdictionClass: JurisdictionClass | null;

  @Column({ type: 'text', nullable: true })
  route: LicensureRoute | null;

  @Column({ name: 'route_reasons', type: 'jsonb' })
  routeReasons: RoutingReason[];

  @Column({ name: 'route_override', type: 'jsonb', nullable: true })
  routeOverride: { route: LicensureRoute; reason: string; by: string; at: string } | null;

  @Column({ name: 'requested_physician_id', type: 'uuid', nullable: true })
  requestedPhysicianId: string | null;

  @Column({ name: 'local_physician', type: 'jsonb', nullable: true })
  localPhysician: LocalPhysician | null;

  @Column({ type: 'jsonb' })
  questions: string[];

  @Column({ type: 'text', nullable: true })
  diagnosis: string | null;

  @Column({ name: 'proposed_treatment', type: 'text', nullable: true })
  proposedTreatment: string | null;

  @Column({ name: 'intake_answers', type: 'jsonb' })
  intakeAnswers: Record<string, string>;

  @Column({ type: 'jsonb', nullable: true })
  quote: Quote | null;

  @Column({ name: 'quote_accepted_at', type: 'timestamptz', nullable: true })
  quoteAcceptedAt: Date | null;

  @Column({ name: 'payment_authorized_at', type: 'timestamptz', nullable: true })
  paymentAuthorizedAt: Date | null;

  @Column({ name: 'assigned_physician_id', type: 'uuid', nullable: true })
  assignedPhysicianId: string | null;

  @Column({ name: 'accept_by', type: 'timestamptz', nullable: true })
  acceptBy: Date | null;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  /** From submission: when triage is promised (moved only by a records pause before acceptance). */
  @Column({ name: 'triage_by', type: 'timestamptz', nullable: true })
  triageBy: Date | null;

  /** From acceptance: when the opinion is promised. Set once; only a records pause moves it, by exactly its length. */
  @Column({ name: 'promised_by', type: 'timestamptz', nullable: true })
  promisedBy: Date | null;

  /** While the care team waits for the patient's records: the promise's clock is stopped since then. */
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt: Date | null;

  /** When the promise was found passed (and people told, once). */
  @Column({ name: 'late_at', type: 'timestamptz', nullable: true })
  lateAt: Date | null;

  /** The new date given to the patient when the promise passed. */
  @Column({ name: 'revised_by', type: 'timestamptz', nullable: true })
  revisedBy: Date | null;

  @Column({ name: 'follow_ups_included', type: 'integer' })
  followUpsIncluded: number;

  @Column({ name: 'follow_ups_used', type: 'integer' })
  followUpsUsed: number;

  @Column({ name: 'visitor_id', type: 'uuid', nullable: true })
  visitorId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  campaign: Record<string, string> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt: Date | null;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;
}
