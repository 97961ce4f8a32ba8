import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Branding, TenantProfile, TenantSettings } from './branding';

/** `coming_soon`: made in the wizard and not launched yet (consoles work, the public site sells nothing). */
export type TenantStatus = 'active' | 'suspended' | 'coming_soon';

@Entity('tenants')
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  status: TenantStatus;

  @Column({ name: 'case_prefix', type: 'text' })
  casePrefix: string;

  @Column({ name: 'default_locale', type: 'text' })
  defaultLocale: string;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'jsonb' })
  branding: Branding;

  @Column({ type: 'jsonb' })
  profile: TenantProfile;

  @Column({ type: 'jsonb' })
  settings: TenantSettings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
