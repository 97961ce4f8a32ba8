import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DiagnosisAgreement = 'confirmed' | 'refined' | 'changed';

export interface PatientQuestionAnswer {
  question: string;
  answer: string;
}

@Entity('opinions')
export class Opinion {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'text' })
  status: 'draft' | 'in_check' | 'signed';

  @Column({ name: 'diagnosis_agreement', type: 'text', nullable: true })
  diagnosisAgreement: DiagnosisAgreement | null;

  @Column({ name: 'treatment_changed', type: 'boolean', nullable: true })
  treatmentChanged: boolean | null;

  @Column({ name: 'diagnosis_note', type: 'text' })
  diagnosisNote: string;

  @Column({ type: 'text' })
  recommendations: string;

  @Column({ type: 'text' })
  alternatives: string;

  @Column({ name: 'clinical_trials', type: 'text' })
  clinicalTrials: string;

  @Column({ type: 'jsonb' })
  answers: PatientQuestionAnswer[];

  @Column({ name: 'patient_summary', type: 'text' })
  patientSummary: string;

  @Column({ name: 'amendment_reason', type: 'text', nullable: true })
  amendmentReason: string | null;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  @Column({ name: 'signed_by', type: 'uuid', nullable: true })
  signedBy: string | null;

  @Column({ name: 'signed_at', type: 'timestamptz', nullable: true })
  signedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
