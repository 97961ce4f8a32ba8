import type { Localized } from '@consilium/tenancy';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('testimonials')
export class Testimonial {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'jsonb' })
  quote: Localized;

  @Column({ type: 'text' })
  author: string;

  @Column({ type: 'jsonb', nullable: true })
  context: Localized | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
