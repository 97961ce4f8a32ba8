import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentStatus } from './payment-status';

export type PaymentProviderName = 'stripe' | 'demo' | 'none';

/** One checkout attempt for a case: what was asked, what the provider reported, in minor units of `currency`. */
@Entity('payments')
export class Payment {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  /** The opinion itself, or one paid extra (`extraId`) after delivery. */
  @Column({ type: 'text', default: 'opinion' })
  purpose: 'opinion' | 'extra';

  @Column({ name: 'extra_id', type: 'uuid', nullable: true })
  extraId: string | null;

  @Column({ name: 'patient_id', type: 'uuid' })
  patientId: string;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ type: 'text' })
  provider: PaymentProviderName;

  @Column({ name: 'checkout_session_id', type: 'text', nullable: true })
  checkoutSessionId: string | null;

  @Column({ name: 'payment_intent_id', type: 'text', nullable: true })
  paymentIntentId: string | null;

  @Column({ name: 'checkout_url', type: 'text', nullable: true })
  checkoutUrl: string | null;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'amount_minor', type: 'integer' })
  amountMinor: number;

  @Column({ name: 'funding_program_id', type: 'uuid', nullable: true })
  fundingProgramId: string | null;

  @Column({ name: 'funded_minor', type: 'integer' })
  fundedMinor: number;

  @Column({ name: 'application_fee_minor', type: 'integer' })
  applicationFeeMinor: number;

  @Column({ name: 'authorized_minor', type: 'integer' })
  authorizedMinor: number;

  @Column({ name: 'captured_minor', type: 'integer' })
  capturedMinor: number;

  @Column({ name: 'refunded_minor', type: 'integer' })
  refundedMinor: number;

  @Column({ type: 'text' })
  status: PaymentStatus;

  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'authorized_at', type: 'timestamptz', nullable: true })
  authorizedAt: Date | null;

  @Column({ name: 'captured_at', type: 'timestamptz', nullable: true })
  capturedAt: Date | null;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt: Date | null;

  @Column({ name: 'refunded_at', type: 'timestamptz', nullable: true })
  refundedAt: Date | null;

  @Column({ name: 'disputed_at', type: 'timestamptz', nullable: true })
  disputedAt: Date | null;

  /** When the current hold was renewed from the saved card (or the patient's confirmation); null: the first one. */
  @Column({ name: 'hold_renewed_at', type: 'timestamptz', nullable: true })
  holdRenewedAt: Date | null;

  /** The card could not be charged without the patient: they were asked to confirm payment, and have not yet. */
  @Column({ name: 'confirmation_requested_at', type: 'timestamptz', nullable: true })
  confirmationRequestedAt: Date | null;
}
