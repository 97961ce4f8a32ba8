import type { Localized, PriceRegion } from '@consilium/tenancy';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How offering prices change by where the patient lives: in the home state, another state, another country. */
@Entity('price_rules')
export class PriceRule {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  region: PriceRegion;

  @Column({ name: 'surcharge_minor', type: 'integer' })
  surchargeMinor: number;

  @Column({ name: 'surcharge_percent', type: 'integer' })
  surchargePercent: number;

  @Column({ type: 'jsonb', nullable: true })
  note: Localized | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
