import { Injectable } from '@nestjs/common';
import { first, todayIn } from '@consilium/core';
import { EntityManager } from 'typeorm';

export const FOR_WHOM = ['self', 'child', 'adult'] as const;
export type ForWhom = (typeof FOR_WHOM)[number];
export const SEXES_AT_BIRTH = ['female', 'male', 'intersex', 'undisclosed'] as const;
export type SexAtBirth = (typeof SEXES_AT_BIRTH)[number];
export const RELATIONSHIPS = ['parent', 'legal_guardian', 'spouse_partner', 'adult_child', 'sibling', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];
/** The languages a patient may say they prefer (an interpreter can be arranged); `other` is said in the notes. */
export const PREFERRED_LANGUAGES = ['en', 'es', 'fr', 'zh', 'vi', 'ar', 'ko', 'ru', 'pt', 'ht', 'tl', 'pl'] as const;

/** Who a request is for, as the requester gave it. PHI: stored on the case only, never in events, logs or emails. */
export interface CaseSubject {
  forWhom: ForWhom;
  /** The patient's name when someone else requests for them (the requester's own name is their account's). */
  patientName: string | null;
  relationship: Relationship | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  sexAtBirth: SexAtBirth | null;
  phone: string | null;
  preferredLanguage: string | null;
}

/** Whole years between a birth date and a day (both YYYY-MM-DD): what a physician reads as the patient's age. */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The age where the hospital is: a birthday starts at midnight in its time zone, not in UTC. */
export function ageIn(birthDate: string, timeZone: string, now = new Date()): number {
  return ageOn(birthDate, todayIn(timeZone, now));
}

/** A minor where the hospital practices (18 in every US state the platform serves). */
export const AGE_OF_MAJORITY = 18;

/** Who the case is for, as the physician and coordinator read it: the age on the hospital's today, sex, language. */
export function subjectShown(s: CaseSubject | null, timeZone: string, now: Date) {
  if (!s) return null;
  return {
    proxy: s.forWhom !== 'self',
    patientName: s.patientName,
    relationshipKey: s.relationship ? `cases.subject.relationship.${s.relationship}` : null,
    age: s.birthDate ? ageIn(s.birthDate, timeZone, now) : null,
    birthDate: s.birthDate,
    sexKey: s.sexAtBirth ? `cases.subject.sex.${s.sexAtBirth}` : null,
    language: s.preferredLanguage,
    phone: s.phone,
  };
}

/**
 * The case_subjects rows: one per case, written by the requester at intake and later from their case page. Callers
 * have already taken the case through CaseAccess (so another family's case or another hospital's is a 404).
 */
@Injectable()
export class CaseSubjects {
  async save(tx: EntityManager, tenantId: string, caseId: string, s: CaseSubject): Promise<void> {
    await tx.query(
      `INSERT INTO case_subjects (tenant_id, case_id, for_whom, patient_name, relationship, birth_date, sex_at_birth, phone, preferred_language)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, case_id) DO UPDATE SET
         for_whom = EXCLUDED.for_whom, patient_name = EXCLUDED.patient_name, relationship = EXCLUDED.relationship,
         birth_date = EXCLUDED.birth_date, sex_at_birth = EXCLUDED.sex_at_birth, phone = EXCLUDED.phone,
         preferred_language = EXCLUDED.preferred_language, updated_at = now()`,
      [tenantId, caseId, s.forWhom, s.patientName, s.relationship, s.birthDate, s.sexAtBirth, s.phone, s.preferredLanguage],
    );
  }

  /** The case's subject; the tenant named as well as set, so a sharded database reads one shard. */
  async of(tx: EntityManager, c: { tenantId: string; id: string }): Promise<CaseSubject | null> {
    const row = await first<{
      for_whom: ForWhom;
      patient_name: string | null;
      relationship: Relationship | null;
      birth_date: string | null;
      sex_at_birth: SexAtBirth | null;
      phone: string | null;
      preferred_language: string | null;
    }>(
      tx,
      `SELECT for_whom, patient_name, relationship, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, sex_at_birth, phone,
              preferred_language FROM case_subjects WHERE tenant_id = $1 AND case_id = $2`,
      [c.tenantId, c.id],
    );
    if (!row) return null;
    return {
      forWhom: row.for_whom,
      patientName: row.patient_name,
      relationship: row.relationship,
      birthDate: row.birth_date,
      sexAtBirth: row.sex_at_birth,
      phone: row.phone,
      preferredLanguage: row.preferred_language,
    };
  }
}
