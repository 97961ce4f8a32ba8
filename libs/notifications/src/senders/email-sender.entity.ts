import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Who a hospital's emails come from: the `email:` block of its blueprint. */
@Entity('tenant_email_senders')
export class EmailSender {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'from_name', type: 'text' })
  fromName: string;

  /** Lower-case; verified in SES (the address or its domain). */
  @Column({ name: 'from_address', type: 'text' })
  fromAddress: string;

  @Column({ name: 'reply_to', type: 'text', nullable: true })
  replyTo: string | null;

  /** SES configuration set: where SES publishes this tenant's bounces and complaints. */
  @Column({ name: 'configuration_set', type: 'text', nullable: true })
  configurationSet: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
