import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A landing on a hospital's site (see the sites migration): campaign and referrer, never PHI. */
@Entity('visits')
export class Visit {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'visitor_id', type: 'uuid' })
  visitorId: string;

  @Column({ name: 'landed_at', type: 'timestamptz' })
  landedAt: Date;

  @Column({ name: 'landing_path', type: 'text' })
  landingPath: string;

  @Column({ type: 'text' })
  locale: string;

  @Column({ name: 'referrer_host', type: 'text', nullable: true })
  referrerHost: string | null;

  @Column({ name: 'utm_source', type: 'text', nullable: true })
  utmSource: string | null;

  @Column({ name: 'utm_medium', type: 'text', nullable: true })
  utmMedium: string | null;

  @Column({ name: 'utm_campaign', type: 'text', nullable: true })
  utmCampaign: string | null;

  @Column({ name: 'utm_term', type: 'text', nullable: true })
  utmTerm: string | null;

  @Column({ name: 'utm_content', type: 'text', nullable: true })
  utmContent: string | null;

  @Column({ name: 'case_id', type: 'uuid', nullable: true })
  caseId: string | null;

  @Column({ name: 'linked_at', type: 'timestamptz', nullable: true })
  linkedAt: Date | null;
}
