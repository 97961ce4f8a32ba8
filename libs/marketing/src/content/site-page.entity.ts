import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Copy of one fixed page of the site (`home`, `seo`, `how-it-works`, `pricing`, `contact`, `privacy`, `terms`),
 * stored in the blueprint's own shape so that export writes back exactly what was applied.
 */
@Entity('site_pages')
export class SitePage {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'jsonb' })
  content: object;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
