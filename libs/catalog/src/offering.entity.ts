import type { Localized } from '@consilium/tenancy';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { IntakeQuestion, OfferingExclusions } from './catalog.types';

/** A kind of review a patient can buy: its price (minor units), turnaround, questions and exclusions. */
@Entity('offerings')
export class Offering {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'specialty_id', type: 'uuid' })
  specialtyId: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'jsonb' })
  name: Localized;

  @Column({ type: 'jsonb' })
  description: Localized;

  @Column({ name: 'price_minor', type: 'integer' })
  priceMinor: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'turnaround_business_days', type: 'integer' })
  turnaroundBusinessDays: number;

  @Column({ name: 'extra_follow_up_price_minor', type: 'integer', nullable: true })
  extraFollowUpPriceMinor: number | null;

  @Column({ name: 'video_consult_price_minor', type: 'integer', nullable: true })
  videoConsultPriceMinor: number | null;

  @Column({ name: 'follow_up_questions', type: 'integer' })
  followUpQuestions: number;

  @Column({ name: 'intake_questions', type: 'jsonb' })
  intakeQuestions: IntakeQuestion[];

  @Column({ type: 'jsonb' })
  exclusions: OfferingExclusions;

  @Column({ type: 'boolean' })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
