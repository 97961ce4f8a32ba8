import {
  AGE_OF_MAJORITY,
  ageOn,
  CaseSubject,
  FOR_WHOM,
  ForWhom,
  PREFERRED_LANGUAGES,
  Relationship,
  RELATIONSHIPS,
  SEXES_AT_BIRTH,
} from '@consilium/cases';
import { field, isCalendarDate } from '@consilium/core';
import { z } from 'zod';

const has = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);
const CHILD_RELATIONSHIPS: Relationship[] = ['parent', 'legal_guardian'];

/** What the requester gave about the patient, and whether they (as parent or caregiver) gave the proxy consent. */
export interface SubjectAnswer {
  subject: CaseSubject;
  proxyConsent: boolean;
}

/**
 * "Who is this request for?" and the patient's details. For oneself each detail is optional (a reason is shown
 * beside it); for a child or someone cared for, the patient's name, date of birth, the relationship and the proxy
 * consent are needed, and the date of birth must agree with the choice (a child is a minor on the hospital's
 * `today`, someone cared for is an adult).
 */
export function subjectForm(today: string) {
  return z
    .object({
      for_whom: field.text({ optional: true }).refine((v) => v === '' || has(FOR_WHOM, v), 'intake.subject.forWhomRequired'),
      patient_name: field.text({ optional: true, max: 200 }),
      relationship: field.text({ optional: true }).refine((v) => v === '' || has(RELATIONSHIPS, v), 'intake.subject.relationshipRequired'),
      birth_date: field
        .text({ optional: true, max: 10 })
        .refine((v) => v === '' || isCalendarDate(v), 'intake.subject.birthDateInvalid')
        .refine((v) => v === '' || !isCalendarDate(v) || (v <= today && ageOn(v, today) <= 130), 'intake.subject.birthDateRange'),
      sex_at_birth: field.text({ optional: true }).refine((v) => v === '' || has(SEXES_AT_BIRTH, v), 'intake.subject.sexRequired'),
      phone: field.text({ optional: true, max: 40 }).pipe(z.string().regex(/^(\+?[\d\s().-]{7,40})?$/, 'intake.subject.phoneInvalid')),
      preferred_language: field
        .text({ optional: true })
        .refine((v) => v === '' || has(PREFERRED_LANGUAGES, v), 'intake.subject.languageRequired'),
      proxy_guardian: field.checkbox(),
      proxy_authorization: field.checkbox(),
    })
    .superRefine((f, ctx) => {
      const forWhom = f.for_whom || 'self';
      if (forWhom === 'self') return;
      const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      if (!f.patient_name) problem('patient_name', 'intake.subject.patientNameRequired');
      if (!f.relationship) problem('relationship', 'intake.subject.relationshipRequired');
      else if (forWhom === 'child' && !CHILD_RELATIONSHIPS.includes(f.relationship))
        problem('relationship', 'intake.subject.childRelationship');
      if (!f.sex_at_birth) problem('sex_at_birth', 'intake.subject.sexRequired');
      if (!f.birth_date) problem('birth_date', 'intake.subject.birthDateRequired');
      else if (isCalendarDate(f.birth_date) && f.birth_date <= today) {
        const minor = ageOn(f.birth_date, today) < AGE_OF_MAJORITY;
        if (forWhom === 'child' && !minor) problem('birth_date', 'intake.subject.notAMinor');
        if (forWhom === 'adult' && minor) problem('birth_date', 'intake.subject.aMinor');
      }
      const consent = proxyConsentKind(forWhom)!;
      if (!f[consent]) problem(consent, 'intake.subject.proxyConsentRequired');
    })
    .transform((f): SubjectAnswer => {
      const forWhom = f.for_whom || 'self';
      const proxy = forWhom !== 'self';
      return {
        subject: {
          forWhom,
          patientName: proxy ? f.patient_name : null,
          relationship: proxy ? (f.relationship as Relationship) : null,
          birthDate: f.birth_date || null,
          sexAtBirth: f.sex_at_birth || null,
          phone: f.phone || null,
          preferredLanguage: f.preferred_language || null,
        },
        proxyConsent: proxy && f[proxyConsentKind(forWhom)!],
      };
    });
}

/** The form's values for a saved subject (or none yet: a request for oneself). */
export function subjectValues(s: CaseSubject | null): Record<string, string> {
  return {
    for_whom: s?.forWhom ?? 'self',
    patient_name: s?.patientName ?? '',
    relationship: s?.relationship ?? '',
    birth_date: s?.birthDate ?? '',
    sex_at_birth: s?.sexAtBirth ?? '',
    phone: s?.phone ?? '',
    preferred_language: s?.preferredLanguage ?? '',
    proxy_guardian: '',
    proxy_authorization: '',
  };
}

/** The proxy consent a request for someone else needs: a parent's attestation for a minor, the adult's authorization. */
export function proxyConsentKind(forWhom: ForWhom): 'proxy_guardian' | 'proxy_authorization' | null {
  return forWhom === 'child' ? 'proxy_guardian' : forWhom === 'adult' ? 'proxy_authorization' : null;
}

/** The choices the form lists, each labelled by key (languages by Intl in the page's language). */
export const subjectOptions = {
  forWhom: FOR_WHOM.map((value) => ({ value, labelKey: `intake.subject.forWhom.${value}` })),
  sexes: SEXES_AT_BIRTH.map((value) => ({ value, labelKey: `intake.subject.sex.${value}` })),
  relationships: RELATIONSHIPS.map((value) => ({ value, labelKey: `intake.subject.relationship.${value}` })),
  languages: PREFERRED_LANGUAGES,
};
