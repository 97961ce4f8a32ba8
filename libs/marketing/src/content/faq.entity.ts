import type { Localized } from '@consilium/tenancy';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type FaqTopic = 'general' | 'pricing' | 'licensure' | 'records';

@Entity('faqs')
export class Faq {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'text' })
  topic: FaqTopic;

  @Column({ type: 'jsonb' })
  question: Localized;

  @Column({ type: 'jsonb' })
  answer: Localized;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
