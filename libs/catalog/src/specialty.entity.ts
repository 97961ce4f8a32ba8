import type { Localized } from '@consilium/tenancy';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { SpecialtyFaq } from './catalog.types';

@Entity('specialties')
export class Specialty {
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
  summary: Localized;

  @Column({ type: 'jsonb', nullable: true })
  description: Localized | null;

  @Column({ type: 'jsonb' })
  reviewed: Localized[];

  @Column({ type: 'jsonb' })
  faqs: SpecialtyFaq[];

  @Column({ type: 'boolean' })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
