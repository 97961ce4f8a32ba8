import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An address this tenant does not send to again: it bounced permanently, or its owner complained. */
@Entity('email_suppressions')
export class EmailSuppression {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  /** Lower-case. */
  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'text' })
  reason: 'bounce' | 'complaint';

  /** SES's bounce sub-type or complaint feedback type (e.g. General, abuse). */
  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @Column({ name: 'feedback_id', type: 'text', nullable: true })
  feedbackId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
