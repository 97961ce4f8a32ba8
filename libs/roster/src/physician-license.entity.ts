import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Where a physician may practise: licensure routing gives a direct opinion only where one is current. */
@Entity('physician_licenses')
export class PhysicianLicense {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'physician_id', type: 'uuid' })
  physicianId: string;

  @Column({ type: 'text' })
  jurisdiction: string;

  @Column({ type: 'text' })
  number: string;

  /** TypeORM reads a `date` as the string 'YYYY-MM-DD': no time zone can shift it. */
  @Column({ name: 'expires_on', type: 'date' })
  expiresOn: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
