import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The catalogue's fields are ids, tokens, enums and numbers: nothing else can be stored. */
export type EmailFields = Record<string, string | number>;

export type OutboundEmailStatus = 'queued' | 'sent' | 'suppressed' | 'failed';

/** One message a tenant sends: who to, which template, what happened to it. */
@Entity('outbound_emails')
export class OutboundEmail {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  template: string;

  /** null until sent when the caller did not choose: then the hospital's default. */
  @Column({ type: 'text', nullable: true })
  locale: string | null;

  @Column({ name: 'to_address', type: 'text' })
  toAddress: string;

  /** The catalogue's typed fields; cleared once the message has left (it may hold a sign-in token). */
  @Column({ type: 'jsonb', nullable: true })
  data: EmailFields | null;

  @Column({ type: 'text' })
  status: OutboundEmailStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ type: 'text', nullable: true })
  transport: 'outbox' | 'ses' | null;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
