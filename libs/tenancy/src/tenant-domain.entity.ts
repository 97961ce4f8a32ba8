import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('tenant_domains')
export class TenantDomain {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  host: string;

  @Column({ name: 'is_primary', type: 'boolean' })
  isPrimary: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
