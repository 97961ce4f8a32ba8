import type { Localized } from '@consilium/tenancy';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FundingAccess } from './funding.types';

/** A charitable fund or sponsor that pays all or part of a patient's price, within a budget. */
@Entity('funding_programs')
export class FundingProgram {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'jsonb' })
  name: Localized;

  @Column({ type: 'jsonb' })
  description: Localized;

  @Column({ type: 'text', nullable: true })
  sponsor: string | null;

  @Column({ name: 'covers_percent', type: 'integer', nullable: true })
  coversPercent: number | null;

  @Column({ name: 'covers_minor', type: 'integer', nullable: true })
  coversMinor: number | null;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'text' })
  access: FundingAccess;

  @Column({ type: 'jsonb', nullable: true })
  eligibility: Localized | null;

  @Column({ name: 'review_required', type: 'boolean', default: false })
  reviewRequired: boolean;

  @Column({ name: 'specialty_id', type: 'uuid', nullable: true })
  specialtyId: string | null;

  @Column({ type: 'boolean' })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
