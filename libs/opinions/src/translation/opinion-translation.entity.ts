import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The opinion's words a translator translates: what the physician wrote (the patient's own questions stay as asked). */
export interface TranslatedText {
  patientSummary: string;
  diagnosisNote: string;
  recommendations: string;
  alternatives: string;
  clinicalTrials: string;
  amendmentReason: string;
  /** One per question of the opinion, in its order. */
  answers: string[];
}

/**
 * One signed opinion version in the patient's language: the machine's draft as it came, and the text the translator
 * reviewed and released. The signed original is never touched; a released translation never changes (a trigger).
 */
@Entity('opinion_translations')
export class OpinionTranslation {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'opinion_id', type: 'uuid' })
  opinionId: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ name: 'source_locale', type: 'text' })
  sourceLocale: string;

  @Column({ name: 'target_locale', type: 'text' })
  targetLocale: string;

  /** What drafted it; `none`: the provider failed, and the draft is the original for the translator to translate. */
  @Column({ type: 'text' })
  provider: 'aws' | 'demo' | 'none';

  @Column({ name: 'machine_draft', type: 'jsonb' })
  machineDraft: TranslatedText;

  @Column({ type: 'jsonb' })
  text: TranslatedText;

  /** How many times the translator saved it: 0 is the machine's draft untouched. */
  @Column({ type: 'integer', default: 0 })
  revision: number;

  @Column({ type: 'text' })
  status: 'draft' | 'released';

  @Column({ name: 'translator_id', type: 'uuid', nullable: true })
  translatorId: string | null;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
