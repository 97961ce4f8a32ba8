import type { Localized } from '@consilium/tenancy';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An extra a patient may add to an offering, e.g. a pathology re-read, at its own price. */
@Entity('offering_add_ons')
export class OfferingAddOn {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'offering_id', type: 'uuid' })
  offeringId: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'jsonb' })
  name: Localized;

  @Column({ type: 'jsonb', nullable: true })
  description: Localized | null;

  @Column({ name: 'price_minor', type: 'integer' })
  priceMinor: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'boolean' })
  active: boolean;

  /** Buying it asks for the opinion in the patient's language, translated and reviewed before delivery. */
  @Column({ type: 'boolean', default: false })
  translation: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
