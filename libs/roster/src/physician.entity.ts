import type { Localized } from '@consilium/tenancy';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A specialist who reviews cases: profile, whether they take new cases, how many a week, and their stipend. */
@Entity('physicians')
export class Physician {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  credentials: string;

  @Column({ type: 'jsonb' })
  title: Localized;

  @Column({ type: 'jsonb' })
  bio: Localized;

  @Column({ type: 'text', nullable: true })
  photo: string | null;

  @Column({ name: 'accepting_new_cases', type: 'boolean' })
  acceptingNewCases: boolean;

  @Column({ name: 'weekly_capacity', type: 'integer' })
  weeklyCapacity: number;

  @Column({ name: 'stipend_minor', type: 'integer' })
  stipendMinor: number;

  @Column({ name: 'stipend_currency', type: 'char', length: 3 })
  stipendCurrency: string;

  @Column({ type: 'boolean' })
  featured: boolean;

  /** The staff account this physician signs in with: what cases.assigned_physician_id holds once assigned. */
  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ type: 'boolean' })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
