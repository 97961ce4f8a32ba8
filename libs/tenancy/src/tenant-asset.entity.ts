import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Brand files (logo, favicon) kept in the database, so blueprints and the operator console write the same place. */
@Entity('tenant_assets')
export class TenantAsset {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ type: 'bytea' })
  bytes: Buffer;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
